# acx_embed_files(OUT_CPP NAMESPACE FUNCTION FILES...)
# Generates a C++ source defining `std::span<const acx::EmbeddedFile> FUNCTION()` in NAMESPACE, holding each file's
# name (without directory) and contents, so the binary carries its fixtures and needs no data directory.
function(acx_embed_files out_cpp ns fn)
  add_custom_command(
    OUTPUT ${out_cpp}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out_cpp} -DNS=${ns} -DFN=${fn} "-DFILES=${ARGN}"
            -P ${PROJECT_SOURCE_DIR}/cmake/EmbedScript.cmake
    DEPENDS ${ARGN} ${PROJECT_SOURCE_DIR}/cmake/EmbedScript.cmake
    COMMENT "Embedding ${fn}"
    VERBATIM)
endfunction()
