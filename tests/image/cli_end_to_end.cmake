# image_pipeline end to end on a tiny set: synthetic generation, all modes, outputs, bad inputs,
# usage errors. Run by ctest as `cmake -DPIPELINE=... -DWORK=... -P cli_end_to_end.cmake`.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/out ${WORK}/in)

function(run_pipeline expect_rc)
  execute_process(COMMAND ${PIPELINE} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err TIMEOUT 240)
  if(NOT rc STREQUAL "${expect_rc}")
    message(FATAL_ERROR "image_pipeline ${ARGN}: exit ${rc}, expected ${expect_rc}\n${out}\n${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
  set(err "${err}" PARENT_SCOPE)
endfunction()

run_pipeline(0 --help)
if(NOT out MATCHES "--mode")
  message(FATAL_ERROR "--help does not describe --mode:\n${out}")
endif()

# Synthetic set, all modes, .npy + previews.
run_pipeline(0 --count 8 --cache ${WORK}/cache --size 32 --out ${WORK}/out --preview --workers 2)
foreach(mode seq map map\\+jit)
  if(NOT out MATCHES "\\| ${mode} \\|")
    message(FATAL_ERROR "no summary row for ${mode}:\n${out}")
  endif()
endforeach()
if(NOT out MATCHES "8 inputs, 8 ok, 0 failed")
  message(FATAL_ERROR "unexpected counts:\n${out}")
endif()
file(GLOB npys ${WORK}/out/*.npy)
file(GLOB pngs ${WORK}/out/*.png)
list(LENGTH npys n_npy)
list(LENGTH pngs n_png)
if(NOT n_npy EQUAL 8 OR NOT n_png EQUAL 8)
  message(FATAL_ERROR "expected 8 .npy and 8 .png, got ${n_npy} and ${n_png}")
endif()
file(SIZE ${WORK}/out/img_00000.npy npy_size)
if(NOT npy_size EQUAL 12416)  # 128-byte header + 3*32*32 float32
  message(FATAL_ERROR "img_00000.npy is ${npy_size} bytes, expected 12416")
endif()

# Bad inputs beside good ones: each reported by name, exit status = number of failures.
file(GLOB good ${WORK}/cache/parjit-images-v1-8/img_0000[0-2].jpg)
file(COPY ${good} DESTINATION ${WORK}/in)
file(WRITE ${WORK}/in/empty.jpg "")
file(WRITE ${WORK}/in/text.png "not an image at all")
file(SIZE ${WORK}/cache/parjit-images-v1-8/img_00007.png png_size)
math(EXPR half "${png_size} / 2")
execute_process(COMMAND head -c ${half} ${WORK}/cache/parjit-images-v1-8/img_00007.png
                OUTPUT_FILE ${WORK}/in/truncated.png)
run_pipeline(4 --mode map+jit --size 16 --out ${WORK}/out2 ${WORK}/in ${WORK}/missing_dir)
foreach(name empty.jpg text.png truncated.png missing_dir)
  if(NOT err MATCHES "skipped [^\n]*${name}")
    message(FATAL_ERROR "${name} not reported:\n${err}")
  endif()
endforeach()
file(GLOB npys2 ${WORK}/out2/*.npy)
list(LENGTH npys2 n2)
if(NOT n2 EQUAL 3)
  message(FATAL_ERROR "expected 3 outputs of the good images, got ${n2}")
endif()

# Usage errors.
run_pipeline(64 --mode fast)
run_pipeline(64 --workers 0)
run_pipeline(64 --size)
run_pipeline(64 --mean 1,2)
message(STATUS "image_pipeline end to end: ok")
