# Installing platbench like HPC software (included from the top-level CMakeLists.txt):
#
#   cmake --install build --prefix PREFIX
#     PREFIX/bin/                  platbench, platbench-cnn, platbench-report (analysis/report.py)
#     PREFIX/share/platbench/      analysis/ (platbench_analysis + report.py), jobs/ (campaign
#                                  templates, models/, sbatch scripts), recipes/ (image recipes),
#                                  version.txt ("VERSION REVISION"). The source tree's layout, so
#                                  scripts that find siblings relative to themselves work here too.
#     PREFIX/share/doc/platbench/  README.md and the other documents at their source-tree paths
#     PREFIX/modulefiles/platbench/VERSION.lua  Lmod modulefile (cmake/platbench.lua.in), written
#                                  at install time for the prefix actually used
#
#   module use PREFIX/modulefiles && module load platbench
include(GNUInstallDirs)
set(PLATBENCH_MODULEFILES_DIR "modulefiles" CACHE STRING
    "Where `cmake --install` writes the Lmod modulefile platbench/VERSION.lua (relative: to the prefix)")
set(PB_SHARE ${CMAKE_INSTALL_DATADIR}/platbench)

install(TARGETS platbench platbench-cnn RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# Only the files that belong to a release: a working tree also holds results (jobs/*.h5),
# __pycache__ and the like. USE_SOURCE_PERMISSIONS keeps the scripts executable.
install(DIRECTORY analysis/ DESTINATION ${PB_SHARE}/analysis USE_SOURCE_PERMISSIONS
        FILES_MATCHING PATTERN "*.py" PATTERN "*.md" PATTERN "__pycache__" EXCLUDE)
install(DIRECTORY jobs/ DESTINATION ${PB_SHARE}/jobs USE_SOURCE_PERMISSIONS
        FILES_MATCHING PATTERN "*.cfg" PATTERN "*.sbatch" PATTERN "*.md")
install(DIRECTORY recipes/ DESTINATION ${PB_SHARE}/recipes USE_SOURCE_PERMISSIONS
        FILES_MATCHING PATTERN "*.sh" PATTERN "*.c" PATTERN "*.def" PATTERN "*.yaml" PATTERN "*.md"
        PATTERN "Dockerfile")
# recipes/build-images.sh labels the images with these when there is no source tree to ask
file(WRITE ${CMAKE_BINARY_DIR}/version.txt "${PROJECT_VERSION} ${PLATBENCH_GIT_COMMIT}\n")
install(FILES ${CMAKE_BINARY_DIR}/version.txt DESTINATION ${PB_SHARE})

# Documentation at its source-tree paths, so the documents' references to each other hold.
file(GLOB_RECURSE PB_DOCS RELATIVE ${CMAKE_CURRENT_SOURCE_DIR} CONFIGURE_DEPENDS
     analysis/*.md jobs/*.md recipes/*.md src/*.md)
foreach(doc README.md ${PB_DOCS})
  get_filename_component(dir ${doc} DIRECTORY)
  install(FILES ${doc} DESTINATION ${CMAKE_INSTALL_DOCDIR}/${dir})
endforeach()

# platbench-report: analysis/report.py under a Python that has h5py
file(RELATIVE_PATH PB_BIN_TO_SHARE /p/${CMAKE_INSTALL_BINDIR} /p/${PB_SHARE})
configure_file(cmake/platbench-report.in ${CMAKE_BINARY_DIR}/platbench-report @ONLY)
install(PROGRAMS ${CMAKE_BINARY_DIR}/platbench-report DESTINATION ${CMAKE_INSTALL_BINDIR})

# The modulefile: version and layout now, the prefix at install time (`--prefix` may differ
# from CMAKE_INSTALL_PREFIX); DESTDIR stages it without changing the paths inside.
set(PB_PREFIX "@PB_PREFIX@") # kept for the second pass
configure_file(cmake/platbench.lua.in ${CMAKE_BINARY_DIR}/platbench.lua.in @ONLY)
install(CODE "
  get_filename_component(PB_PREFIX \"\${CMAKE_INSTALL_PREFIX}\" ABSOLUTE) # --prefix may be relative
  set(pb_dir \"${PLATBENCH_MODULEFILES_DIR}\")
  if(NOT IS_ABSOLUTE \"\${pb_dir}\")
    set(pb_dir \"\${PB_PREFIX}/\${pb_dir}\")
  endif()
  set(pb_module \"\$ENV{DESTDIR}\${pb_dir}/platbench/${PROJECT_VERSION}.lua\")
  message(STATUS \"Installing: \${pb_module}\")
  configure_file(\"${CMAKE_BINARY_DIR}/platbench.lua.in\" \"\${pb_module}\" @ONLY)
  list(APPEND CMAKE_INSTALL_MANIFEST_FILES \"\${pb_module}\")
")
