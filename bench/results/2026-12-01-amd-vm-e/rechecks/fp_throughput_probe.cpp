// Recheck probe (k2_compute_bound.txt): g++ -O2 -march=native fp_throughput_probe.cpp && ./a.out
// Throughput per ns of 512-bit double ops, 12 independent chains each.
#include <immintrin.h>
#include <chrono>
#include <cstdio>
#include <algorithm>
template<class F> double run(F f){ double best=1e9; for(int r=0;r<7;r++){auto t0=std::chrono::steady_clock::now(); f(); auto t1=std::chrono::steady_clock::now(); best=std::min(best,std::chrono::duration<double>(t1-t0).count());} return best;}
#define R12(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
#define K(ins) [&]{ long it=20000000; asm volatile( \
 "1:\n" ins " %%zmm31,%%zmm0,%%zmm0\n" ins " %%zmm31,%%zmm1,%%zmm1\n" ins " %%zmm31,%%zmm2,%%zmm2\n" ins " %%zmm31,%%zmm3,%%zmm3\n" \
 ins " %%zmm31,%%zmm4,%%zmm4\n" ins " %%zmm31,%%zmm5,%%zmm5\n" ins " %%zmm31,%%zmm6,%%zmm6\n" ins " %%zmm31,%%zmm7,%%zmm7\n" \
 ins " %%zmm31,%%zmm8,%%zmm8\n" ins " %%zmm31,%%zmm9,%%zmm9\n" ins " %%zmm31,%%zmm10,%%zmm10\n" ins " %%zmm31,%%zmm11,%%zmm11\n" \
 "dec %0\n jnz 1b\n" : "+r"(it) :: "xmm0","xmm1","xmm2","xmm3","xmm4","xmm5","xmm6","xmm7","xmm8","xmm9","xmm10","xmm11"); }
#define KM [&]{ long it=20000000; asm volatile( \
 "1:\n vmulpd %%zmm31,%%zmm0,%%zmm0\n vaddpd %%zmm31,%%zmm1,%%zmm1\n vmulpd %%zmm31,%%zmm2,%%zmm2\n vaddpd %%zmm31,%%zmm3,%%zmm3\n" \
 "vmulpd %%zmm31,%%zmm4,%%zmm4\n vaddpd %%zmm31,%%zmm5,%%zmm5\n vmulpd %%zmm31,%%zmm6,%%zmm6\n vaddpd %%zmm31,%%zmm7,%%zmm7\n" \
 "vmulpd %%zmm31,%%zmm8,%%zmm8\n vaddpd %%zmm31,%%zmm9,%%zmm9\n vmulpd %%zmm31,%%zmm10,%%zmm10\n vaddpd %%zmm31,%%zmm11,%%zmm11\n" \
 "dec %0\n jnz 1b\n" : "+r"(it) :: "xmm0","xmm1","xmm2","xmm3","xmm4","xmm5","xmm6","xmm7","xmm8","xmm9","xmm10","xmm11"); }
#define KC(ins,src) [&]{ long it=20000000; asm volatile( \
 "1:\n" ins " %%" src "20,%%zmm0\n" ins " %%" src "21,%%zmm1\n" ins " %%" src "22,%%zmm2\n" ins " %%" src "23,%%zmm3\n" \
 ins " %%" src "24,%%zmm4\n" ins " %%" src "25,%%zmm5\n" ins " %%" src "26,%%zmm6\n" ins " %%" src "27,%%zmm7\n" \
 ins " %%" src "20,%%zmm8\n" ins " %%" src "21,%%zmm9\n" ins " %%" src "22,%%zmm10\n" ins " %%" src "23,%%zmm11\n" \
 "dec %0\n jnz 1b\n" : "+r"(it) :: "xmm0","xmm1","xmm2","xmm3","xmm4","xmm5","xmm6","xmm7","xmm8","xmm9","xmm10","xmm11"); }
#define KD(ins) [&]{ long it=20000000; asm volatile( \
 "1:\n" ins " %%zmm20,%%ymm0\n" ins " %%zmm21,%%ymm1\n" ins " %%zmm22,%%ymm2\n" ins " %%zmm23,%%ymm3\n" \
 ins " %%zmm24,%%ymm4\n" ins " %%zmm25,%%ymm5\n" ins " %%zmm26,%%ymm6\n" ins " %%zmm27,%%ymm7\n" \
 ins " %%zmm20,%%ymm8\n" ins " %%zmm21,%%ymm9\n" ins " %%zmm22,%%ymm10\n" ins " %%zmm23,%%ymm11\n" \
 "dec %0\n jnz 1b\n" : "+r"(it) :: "xmm0","xmm1","xmm2","xmm3","xmm4","xmm5","xmm6","xmm7","xmm8","xmm9","xmm10","xmm11"); }
int main(){
  double ops=20000000.0*12;
  for(int r=0;r<2;r++){
  double a=run(K("vaddpd")), m=run(K("vmulpd")), f=run(K("vfmadd231pd")), mix=run(KM), c1=run(KC("vcvtps2pd","ymm")), c2=run(KD("vcvtpd2ps")), f2=run(KC("vmovapd","zmm"));
  printf("per ns: add %.2f mul %.2f fma %.2f add+mul %.2f cvtps2pd %.2f cvtpd2ps %.2f movapd %.2f\n",ops/a/1e9,ops/m/1e9,ops/f/1e9,ops/mix/1e9,ops/c1/1e9,ops/c2/1e9,ops/f2/1e9);
  }
}
