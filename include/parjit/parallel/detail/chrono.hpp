// std::chrono's durations, time points, clocks and literals, without the rest of <chrono>.
#pragma once

// libstdc++ 11 and later keep those in <bits/chrono.h>; its <chrono> adds C++20 calendars, time
// zones and stream output (all of <sstream>), which the parallel layer never uses and which cost
// every TU that includes parjit.hpp about 5 % more. Other standard libraries get <chrono>.
#if defined(__GLIBCXX__) && defined(_GLIBCXX_RELEASE) && __has_include(<bits/chrono.h>)
#if _GLIBCXX_RELEASE >= 11
#include <bits/chrono.h>
#else
#include <chrono>
#endif
#else
#include <chrono>
#endif
