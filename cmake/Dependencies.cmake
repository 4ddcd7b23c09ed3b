# Debian 12's packages, found the way each one ships: CMake config files or pkg-config. Nothing vendored.
find_package(Threads REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(fmt REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(SQLite3 REQUIRED)
if(ACX_TESTS)
  find_package(doctest REQUIRED) # only the unit tests use it
endif()
find_package(PkgConfig REQUIRED)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
pkg_check_modules(MHD REQUIRED IMPORTED_TARGET libmicrohttpd)
pkg_check_modules(TOMLPP REQUIRED IMPORTED_TARGET tomlplusplus)
