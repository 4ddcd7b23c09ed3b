# INTERFACE targets that carry the project's warning and sanitizer options.
add_library(acx_warnings INTERFACE)
target_compile_options(acx_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                              -Wconversion -Wno-sign-conversion)
if(ACX_WERROR)
  target_compile_options(acx_warnings INTERFACE -Werror)
endif()

add_library(acx_sanitizers INTERFACE)
if(ACX_SANITIZE)
  target_compile_options(acx_sanitizers INTERFACE -fsanitize=address,undefined -fno-sanitize-recover=all
                                                  -fno-omit-frame-pointer)
  target_link_options(acx_sanitizers INTERFACE -fsanitize=address,undefined)
endif()

if(ACX_TSAN)
  if(ACX_SANITIZE)
    message(FATAL_ERROR "ACX_TSAN and ACX_SANITIZE cannot be combined: build them in two directories")
  endif()
  target_compile_options(acx_sanitizers INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(acx_sanitizers INTERFACE -fsanitize=thread)
endif()

# The fuzz build instruments the library for libFuzzer's coverage, with ASan and UBSan.
if(ACX_FUZZ)
  target_compile_options(acx_sanitizers INTERFACE -fsanitize=fuzzer-no-link,address,undefined
                                                  -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(acx_sanitizers INTERFACE -fsanitize=address,undefined)
endif()

# ccache, when the machine has it (and -DACX_CCACHE=OFF does not say no), makes rebuilds after a pull or a branch
# switch take seconds. A launcher given on the command line wins.
if(ACX_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  find_program(ACX_CCACHE_PROGRAM ccache)
  if(ACX_CCACHE_PROGRAM)
    set(CMAKE_CXX_COMPILER_LAUNCHER ${ACX_CCACHE_PROGRAM})
  endif()
endif()


# Debian's hardening flags (dpkg-buildflags: fortify, stack protector, read-only relocations bound at start; PIE is
# gcc's default on Debian), which lintian checks the packaged binary for. Not with the sanitizers, which bring their
# own checks; fortify only where the code is optimised, as it needs.
if(NOT ACX_SANITIZE AND NOT ACX_TSAN AND NOT ACX_FUZZ)
  add_compile_options(-fstack-protector-strong
                      $<$<CONFIG:Release,RelWithDebInfo,MinSizeRel>:-D_FORTIFY_SOURCE=2>)
  add_link_options(-Wl,-z,relro -Wl,-z,now)
endif()
