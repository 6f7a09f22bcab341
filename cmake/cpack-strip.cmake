# Run by CPack before the build directory's cmake_install.cmake: strip the
# programs as `cmake --install --strip` does.
set(CMAKE_INSTALL_DO_STRIP ON)
