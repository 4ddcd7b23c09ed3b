#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "acx/jq/jq.hpp"

int main(int argc, char** argv)
{
  // The jq worker is this binary started again (acx::jq::Runner execs /proc/self/exe), as it is acx in acx.
  if (const auto worker = acx::jq::serve_if_worker(argc, argv)) {
    return *worker;
  }
  return doctest::Context(argc, argv).run();
}
