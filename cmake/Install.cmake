# What `cmake --install` puts where (GNUInstallDirs), beside the two
# programs (cmd/CMakeLists.txt): man pages, bash completion, the systemd
# unit, the Wireshark dissector, the documentation.

install(FILES ${PROJECT_SOURCE_DIR}/docs/ethdl.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_SOURCE_DIR}/docs/ethdl-board.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)

install(FILES ${PROJECT_SOURCE_DIR}/contrib/bash-completion/ethdl
  ${PROJECT_SOURCE_DIR}/contrib/bash-completion/ethdl-board
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)

# The Wireshark dissector, when the source tree has it (checked when
# installing: OPTIONAL).
install(FILES ${PROJECT_SOURCE_DIR}/contrib/wireshark/ethdl.lua
  DESTINATION ${CMAKE_INSTALL_DATADIR}/ethdl/wireshark OPTIONAL)

file(GLOB ETHDL_DOCS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${ETHDL_DOCS} DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PROJECT_SOURCE_DIR}/contrib/systemd/ethdl-board.default
  DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

# The systemd unit directory, relative to the install prefix unless given as
# an absolute path: systemd.pc's systemdsystemunitdir with its prefixes
# taken away (lib/systemd/system on Debian), else lib/systemd/system.
if(NOT DEFINED ETHDL_SYSTEMD_UNITDIR)
  set(unitdir lib/systemd/system)
  find_program(ETHDL_PKG_CONFIG pkg-config)
  if(ETHDL_PKG_CONFIG)
    execute_process(COMMAND ${ETHDL_PKG_CONFIG} --define-variable=prefix=
        --define-variable=root_prefix= --define-variable=rootprefix=
        --variable=systemdsystemunitdir systemd
      OUTPUT_VARIABLE found OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc ERROR_QUIET)
    if(rc EQUAL 0 AND found MATCHES "^/")
      string(REGEX REPLACE "^/+" "" unitdir "${found}")
    endif()
  endif()
  set(ETHDL_SYSTEMD_UNITDIR ${unitdir} CACHE STRING
    "Where the systemd unit goes (relative: under the install prefix)")
endif()

# The unit names the installed ethdl-board: made at install time, so that
# `cmake --install --prefix DIR` and the package get their own path (in a
# file of its own per destination: installs may run side by side).
set(ETHDL_UNIT_IN ${PROJECT_SOURCE_DIR}/contrib/systemd/ethdl-board@.service.in)
install(CODE "
  set(ETHDL_SBINDIR \"${CMAKE_INSTALL_SBINDIR}\")
  if(NOT IS_ABSOLUTE \"\${ETHDL_SBINDIR}\")
    set(ETHDL_SBINDIR \"\${CMAKE_INSTALL_PREFIX}/\${ETHDL_SBINDIR}\")
  endif()
  set(unitdir \"${ETHDL_SYSTEMD_UNITDIR}\")
  if(NOT IS_ABSOLUTE \"\${unitdir}\")
    set(unitdir \"\${CMAKE_INSTALL_PREFIX}/\${unitdir}\")
  endif()
  string(MD5 where \"\$ENV{DESTDIR}\${unitdir}\")
  set(unit \"${PROJECT_BINARY_DIR}/contrib/systemd/\${where}/ethdl-board@.service\")
  configure_file(\"${ETHDL_UNIT_IN}\" \"\${unit}\" @ONLY)
  file(INSTALL DESTINATION \"\${unitdir}\" TYPE FILE FILES \"\${unit}\")
")
