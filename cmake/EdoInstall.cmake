# Install rules: headers, both libraries, the CMake package (find_package(edo)) and edo.pc.
include(CMakePackageConfigHelpers)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/edo DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS edo_core edo EXPORT edoTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT edoTargets NAMESPACE edo:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/edo)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/edoConfig.cmake.in
  ${PROJECT_BINARY_DIR}/edoConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/edo)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/edoConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/edoConfig.cmake ${PROJECT_BINARY_DIR}/edoConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/edo)

# Relocatable: the prefix is found from the .pc file's own directory.
file(RELATIVE_PATH EDO_PC_RELATIVE_PREFIX "/root/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/root")
string(REGEX REPLACE "/$" "" EDO_PC_RELATIVE_PREFIX "${EDO_PC_RELATIVE_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/edo.pc.in ${PROJECT_BINARY_DIR}/edo.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/edo.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
