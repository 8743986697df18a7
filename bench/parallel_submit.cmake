# parallel_submit benchmark: submit + get latency and tiny-task throughput, parjit vs std::async.
parjit_add_bench(parallel_submit SOURCES parallel_submit.cpp LIBS parjit::parallel)
