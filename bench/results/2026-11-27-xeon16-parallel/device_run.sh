#!/bin/bash
# One device run: submit+get and parallel_map vs raw TBB on 2 dedicated cores, scaling on 16.
cd "$(dirname "$0")"; export LD_LIBRARY_PATH=$PWD
R="--benchmark_repetitions=5 --benchmark_report_aggregates_only=true"
{ nproc; lscpu | grep -E "Model name|^CPU\(s\)"; uptime; } > $OUT/machine.txt 2>&1
taskset -c 2,3 ./parallel_submit $R --benchmark_filter='submit_get|submit_throughput/parjit' --benchmark_out=$OUT/submit_2core.json --benchmark_out_format=json > $OUT/submit_2core.txt 2>&1
taskset -c 2,3 ./parallel_map --benchmark_filter='^map_(cheap|medium)/(tbb_parallel_for|parjit_parallel_map)' $R --benchmark_min_time=0.1 --benchmark_out=$OUT/map_2core.json --benchmark_out_format=json > $OUT/map_2core.txt 2>&1
./parallel_map --benchmark_filter='^scaling' --benchmark_repetitions=3 --benchmark_report_aggregates_only=true --benchmark_min_time=0.1 --benchmark_out=$OUT/scaling_16core.json --benchmark_out_format=json > $OUT/scaling_16core.txt 2>&1
./futures_quickstart > $OUT/quickstart_16core.txt 2>&1
grep -h median $OUT/*.txt | cut -c1-120; cat $OUT/machine.txt $OUT/quickstart_16core.txt | tail -20
