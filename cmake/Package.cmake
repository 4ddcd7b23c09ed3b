# What `cmake --install` puts where, and the Debian package CPack makes of it (`cmake --build build --target
# package`, or scripts/package): acx_<version>_amd64.deb.
install(TARGETS acx RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# Stripped as Debian's dh_strip does: the compiler's .comment and the .note section go too.
install(CODE "
  if(CMAKE_INSTALL_DO_STRIP)
    execute_process(COMMAND \"${CMAKE_STRIP}\" --remove-section=.comment --remove-section=.note
                            \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/acx\" COMMAND_ERROR_IS_FATAL ANY)
  endif()
")
install(FILES completions/acx.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME acx)
install(FILES completions/_acx DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES completions/acx.fish DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)
install(FILES packaging/acx-listen@.service DESTINATION lib/systemd/system)
install(FILES packaging/copyright DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/acx)

# The man pages, written by the acx just built from its own command tree, and the changelog: gzipped as Debian
# wants them (-n: no name or time stamp inside, so the same sources make the same package).
set(ACX_DOCS_DIR ${PROJECT_BINARY_DIR}/package-docs)
install(CODE "
  file(REMOVE_RECURSE \"${ACX_DOCS_DIR}\")
  execute_process(COMMAND \"$<TARGET_FILE:acx>\" man --directory \"${ACX_DOCS_DIR}/man1\" COMMAND_ERROR_IS_FATAL ANY)
  file(MAKE_DIRECTORY \"${ACX_DOCS_DIR}/man5\")
  file(RENAME \"${ACX_DOCS_DIR}/man1/acx.toml.5\" \"${ACX_DOCS_DIR}/man5/acx.toml.5\")
  file(COPY_FILE \"${PROJECT_SOURCE_DIR}/packaging/changelog\" \"${ACX_DOCS_DIR}/changelog\")
  file(GLOB pages \"${ACX_DOCS_DIR}/man1/*.1\" \"${ACX_DOCS_DIR}/man5/*.5\")
  execute_process(COMMAND gzip -9n \${pages} \"${ACX_DOCS_DIR}/changelog\" COMMAND_ERROR_IS_FATAL ANY)
")
install(DIRECTORY ${ACX_DOCS_DIR}/man1 ${ACX_DOCS_DIR}/man5 DESTINATION ${CMAKE_INSTALL_MANDIR})
install(FILES ${ACX_DOCS_DIR}/changelog.gz DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/acx)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME acx)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "acx developers <acx@example.com>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "receive, verify, journal, test and simulate AccuLynx webhooks")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
  "acx receives AccuLynx webhook deliveries, verifies them and journals\n"
  "each one durably before it answers; it forwards them to your app in\n"
  "order, relays them to a laptop, simulates and re-delivers events, judges\n"
  "your own receiver against the rules, manages subscriptions and emulates\n"
  "AccuLynx locally. The journal is SQLite, or PostgreSQL for several\n"
  "listeners. acx-listen@.service runs a listener as a hardened systemd\n"
  "service.")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON) # dpkg-shlibdeps computes Depends from the libraries the binary links
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
include(CPack)
