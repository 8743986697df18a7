// Recheck probe (k2_compute_bound.txt): g++ -O2 -march=native -ffp-contract=off -pthread
// k2_variants_probe.cpp && ./a.out 2 -- hand-written K2 variants vs a non-temporal copy on 1e7
// floats in huge-page arrays, N threads (created per call: the same cost in every case).
#include <immintrin.h>
#include <sys/mman.h>
#include <cstdlib>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>
#include <algorithm>
#include <atomic>
#include <functional>
#include <cstring>
static float* alloc(size_t n){ size_t b=(n*4+(2<<20)-1)/(2<<20)*(2<<20); void*p=std::aligned_alloc(2<<20,b); madvise(p,b,MADV_HUGEPAGE); memset(p,0,b); return (float*)p;}
// K2 on 8 doubles: ((x * 0.5 + 1.5) * x - 2) * x + 3, no contraction (as the JIT computes it).
static inline __m512d poly(__m512d x){
  const __m512d h=_mm512_set1_pd(0.5),c15=_mm512_set1_pd(1.5),two=_mm512_set1_pd(2),three=_mm512_set1_pd(3);
  return _mm512_add_pd(_mm512_mul_pd(_mm512_sub_pd(_mm512_mul_pd(_mm512_add_pd(_mm512_mul_pd(x,h),c15),x),two),x),three);
}
template<int PF> void k2(float* o,const float* a,long n){
  for(long i=0;i<n;i+=16){
    if(PF) _mm_prefetch((const char*)(a+i)+PF,_MM_HINT_T0);
    __m512 x=_mm512_load_ps(a+i);
    const __m512d vl=poly(_mm512_cvtps_pd(_mm512_castps512_ps256(x))), vh=poly(_mm512_cvtps_pd(_mm512_extractf32x8_ps(x,1)));
    _mm256_stream_ps(o+i,_mm512_cvtpd_ps(vl)); _mm256_stream_ps(o+i+8,_mm512_cvtpd_ps(vh));
  }
  _mm_sfence();
}
void copy(float* o,const float* a,long n){ for(long i=0;i<n;i+=16) _mm512_stream_ps(o+i,_mm512_load_ps(a+i)); _mm_sfence();}

void k2u2(float* o,const float* a,long n){
  const __m512d h=_mm512_set1_pd(0.5),c15=_mm512_set1_pd(1.5),two=_mm512_set1_pd(2),three=_mm512_set1_pd(3);
  for(long i=0;i<n;i+=32){
    __m512 x=_mm512_load_ps(a+i), y=_mm512_load_ps(a+i+16);
    __m512d l0=_mm512_cvtps_pd(_mm512_castps512_ps256(x)), h0=_mm512_cvtps_pd(_mm512_extractf32x8_ps(x,1));
    __m512d l1=_mm512_cvtps_pd(_mm512_castps512_ps256(y)), h1=_mm512_cvtps_pd(_mm512_extractf32x8_ps(y,1));
    __m512d v0=_mm512_add_pd(_mm512_mul_pd(l0,h),c15),v1=_mm512_add_pd(_mm512_mul_pd(h0,h),c15),v2=_mm512_add_pd(_mm512_mul_pd(l1,h),c15),v3=_mm512_add_pd(_mm512_mul_pd(h1,h),c15);
    v0=_mm512_sub_pd(_mm512_mul_pd(v0,l0),two);v1=_mm512_sub_pd(_mm512_mul_pd(v1,h0),two);v2=_mm512_sub_pd(_mm512_mul_pd(v2,l1),two);v3=_mm512_sub_pd(_mm512_mul_pd(v3,h1),two);
    v0=_mm512_add_pd(_mm512_mul_pd(v0,l0),three);v1=_mm512_add_pd(_mm512_mul_pd(v1,h0),three);v2=_mm512_add_pd(_mm512_mul_pd(v2,l1),three);v3=_mm512_add_pd(_mm512_mul_pd(v3,h1),three);
    _mm256_stream_ps(o+i,_mm512_cvtpd_ps(v0)); _mm256_stream_ps(o+i+8,_mm512_cvtpd_ps(v1));_mm256_stream_ps(o+i+16,_mm512_cvtpd_ps(v2)); _mm256_stream_ps(o+i+24,_mm512_cvtpd_ps(v3));
  }
  _mm_sfence();
}
void k2w(float* o,const float* a,long n){ // 512-bit store of joined halves
  for(long i=0;i<n;i+=16){
    __m512 x=_mm512_load_ps(a+i);
    const __m512d vl=poly(_mm512_cvtps_pd(_mm512_castps512_ps256(x))), vh=poly(_mm512_cvtps_pd(_mm512_extractf32x8_ps(x,1)));
    _mm512_stream_ps(o+i,_mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(vl)),_mm512_cvtpd_ps(vh),1));
  }
  _mm_sfence();
}
void k2plain(float* o,const float* a,long n){ // ordinary stores
  for(long i=0;i<n;i+=16){
    __m512 x=_mm512_load_ps(a+i);
    const __m512d vl=poly(_mm512_cvtps_pd(_mm512_castps512_ps256(x))), vh=poly(_mm512_cvtps_pd(_mm512_extractf32x8_ps(x,1)));
    _mm256_store_ps(o+i,_mm512_cvtpd_ps(vl)); _mm256_store_ps(o+i+8,_mm512_cvtpd_ps(vh));
  }
}
void k2f(float* o,const float* a,long n){ // float math (compute floor check)
  const __m512 h=_mm512_set1_ps(0.5),c15=_mm512_set1_ps(1.5),two=_mm512_set1_ps(2),three=_mm512_set1_ps(3);
  for(long i=0;i<n;i+=16){
    __m512 x=_mm512_load_ps(a+i), v=x;
    v=_mm512_add_ps(_mm512_mul_ps(v,h),c15); v=_mm512_sub_ps(_mm512_mul_ps(v,x),two); v=_mm512_add_ps(_mm512_mul_ps(v,x),three);
    _mm512_stream_ps(o+i,v);
  }
  _mm_sfence();
}
int main(int argc,char**argv){
  long n=10000000; float*a=alloc(n),*o=alloc(n); for(long i=0;i<n;i++) a[i]=(i%1000)*0.001f;
  using F=void(*)(float*,const float*,long);
  std::vector<std::pair<const char*,F>> fs={{"copy",copy},{"k2",k2<0>},{"k2pf256",k2<256>},{"k2pf4k",k2<4096>},{"k2u2",k2u2},{"k2w",k2w},{"k2plain",k2plain},{"k2float",k2f}};
  int threads=argc>1?atoi(argv[1]):2;
  std::vector<std::vector<double>> t(fs.size());
  for(int r=0;r<15;r++) for(size_t f=0;f<fs.size();f++){
    auto t0=std::chrono::steady_clock::now();
    long half=n/threads/16*16;
    std::vector<std::thread> th; for(int k=1;k<threads;k++) th.emplace_back([&,k]{ long b=k*half, e=k==threads-1?n:b+half; fs[f].second(o+b,a+b,e-b);});
    fs[f].second(o,a,threads==1?n:half); for(auto&x:th) x.join();
    t[f].push_back(std::chrono::duration<double,std::milli>(std::chrono::steady_clock::now()-t0).count());
  }
  for(size_t f=0;f<fs.size();f++){ auto v=t[f]; std::sort(v.begin(),v.end()); printf("%s %.3f ms (min %.3f)  ", fs[f].first, v[v.size()/2], v[0]); }
  printf("\n");
}
