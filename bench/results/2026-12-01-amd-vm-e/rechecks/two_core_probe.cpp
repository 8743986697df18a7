// Recheck probe (k2_compute_bound.txt): g++ -O2 -march=native -pthread two_core_probe.cpp && ./a.out
// The same FMA loop on one thread, then on two at once: equal times mean two physical cores.
#include <chrono>
#include <thread>
#include <cstdio>
#include <immintrin.h>
#include <vector>
static double work(long iters){
  __m512d a0=_mm512_set1_pd(1.0),a1=a0,a2=a0,a3=a0,a4=a0,a5=a0,a6=a0,a7=a0; __m512d m=_mm512_set1_pd(1.0000001), c=_mm512_set1_pd(1e-9);
  for(long i=0;i<iters;i++){
    a0=_mm512_fmadd_pd(a0,m,c);a1=_mm512_fmadd_pd(a1,m,c);a2=_mm512_fmadd_pd(a2,m,c);a3=_mm512_fmadd_pd(a3,m,c);
    a4=_mm512_fmadd_pd(a4,m,c);a5=_mm512_fmadd_pd(a5,m,c);a6=_mm512_fmadd_pd(a6,m,c);a7=_mm512_fmadd_pd(a7,m,c);
  }
  __m512d s=_mm512_add_pd(_mm512_add_pd(_mm512_add_pd(a0,a1),_mm512_add_pd(a2,a3)),_mm512_add_pd(_mm512_add_pd(a4,a5),_mm512_add_pd(a6,a7)));
  return _mm512_reduce_add_pd(s);
}
int main(){
  long it=200000000;
  for(int rep=0;rep<3;rep++){
  auto t0=std::chrono::steady_clock::now(); volatile double r=work(it); auto t1=std::chrono::steady_clock::now();
  double one=std::chrono::duration<double>(t1-t0).count();
  t0=std::chrono::steady_clock::now();
  std::thread th([&]{volatile double q=work(it);}); volatile double r2=work(it); th.join();
  t1=std::chrono::steady_clock::now();
  double two=std::chrono::duration<double>(t1-t0).count();
  printf("1 thread %.3f s, 2 threads (same work each) %.3f s, FMA/cycle@? %.2f Gfma/s\n",one,two, it*8.0/one/1e9);
  }
}
