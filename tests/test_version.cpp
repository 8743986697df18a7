// <parjit/version.hpp>, generated from project(VERSION), says the version CMake configured.
#include <parjit/version.hpp>

#include <catch2/catch.hpp>
#include <string>

static_assert(PARJIT_VERSION ==
              PARJIT_VERSION_MAJOR * 10000 + PARJIT_VERSION_MINOR * 100 + PARJIT_VERSION_PATCH);

TEST_CASE("version: the header matches project(VERSION)", "[version]") {
  const std::string configured = PARJIT_TEST_PROJECT_VERSION;  // ${PROJECT_VERSION}, e.g. "0.1.0"
  const std::string from_numbers = std::to_string(PARJIT_VERSION_MAJOR) + "." +
                                   std::to_string(PARJIT_VERSION_MINOR) + "." +
                                   std::to_string(PARJIT_VERSION_PATCH);
  CHECK(from_numbers == configured);
  CHECK(std::string{PARJIT_VERSION_STRING} == configured);
}
