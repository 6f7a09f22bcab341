# A Debian package of what `cmake --install` installs: scripts/build-deb.sh
# (cpack -G DEB). Its dependencies come from dpkg-shlibdeps (dpkg-dev).
# It starts nothing and sets no file capability: see README.md, "Installing".

set(ETHDL_DEB_MAINTAINER "ethdl maintainers <ethdl@localhost>" CACHE STRING
  "Maintainer field of the Debian package")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ethdl)
set(CPACK_PACKAGE_VENDOR ethdl)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${ETHDL_DEB_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "download files into controller boards over raw Ethernet and prove them")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# CPack runs the install script of the build directory as it is, with
# DESTDIR, stripped, for prefix /usr: it does not build everything first
# (build-deb.sh builds the two programs).
set(CPACK_INSTALL_CMAKE_PROJECTS "")
set(CPACK_INSTALL_SCRIPTS ${PROJECT_SOURCE_DIR}/cmake/cpack-strip.cmake
  ${PROJECT_BINARY_DIR}/cmake_install.cmake)
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${ETHDL_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS bash-completion)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libcap2-bin, tshark | wireshark")
# The long description (CPack puts the summary above it and indents it).
set(CPACK_PACKAGE_DESCRIPTION
"ethdl downloads files (configurations, algorithm tables, parameter sets,
firmware) from an engineering host into embedded controller boards over
raw Ethernet (EtherType 0x88B5), reads every download back and compares it
byte for byte. It updates one board, or a whole group of boards at once by
multicast with Reed-Solomon repair, and handles signed and encrypted update
packages.

This package holds the host tool ethdl, the reference board emulator
ethdl-board with its systemd unit ethdl-board@.service (not enabled), man
pages, bash completion and a Wireshark dissector.")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${PROJECT_SOURCE_DIR}/contrib/debian/postinst
  ${PROJECT_SOURCE_DIR}/contrib/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)

include(CPack)
