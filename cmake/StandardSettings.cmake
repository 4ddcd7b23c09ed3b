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

# The fuzz build instruments the library for libFuzzer's coverage, with ASan and UBSan.
if(ACX_FUZZ)
  target_compile_options(acx_sanitizers INTERFACE -fsanitize=fuzzer-no-link,address,undefined
                                                  -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(acx_sanitizers INTERFACE -fsanitize=address,undefined)
endif()

# ccache, when the machine has it, makes rebuilds after a pull or a branch switch take seconds.
find_program(ACX_CCACHE ccache)
if(ACX_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${ACX_CCACHE})
endif()

