# A module is one folder under src/ (recursively); its .cpp files form one static library xmr_<name>.
# Globbing keeps each owner inside its own folder: adding a file needs no edit elsewhere.
function(xmr_glob_sources out dir)
  file(GLOB_RECURSE files CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/${dir}/*.cpp)
  set(${out} ${files} PARENT_SCOPE)
endfunction()

function(xmr_module name)
  xmr_glob_sources(files src/${name})
  if(files)
    add_library(xmr_${name} STATIC ${files})
    target_include_directories(xmr_${name} PUBLIC ${CMAKE_SOURCE_DIR}/src)
  else()
    # A stage with no code yet is an empty interface library, so its links need no edit later.
    add_library(xmr_${name} INTERFACE)
    target_include_directories(xmr_${name} INTERFACE ${CMAKE_SOURCE_DIR}/src)
  endif()
endfunction()
