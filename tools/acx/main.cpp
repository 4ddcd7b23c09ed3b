// acx: receive, verify, journal, test and simulate AccuLynx webhooks. The command line is app.cpp (acx_cli): this file
// does not include CLI11, so it compiles in a moment.
#include "acx/jq/jq.hpp"
#include "entry.hpp"

int main(int argc, char** argv)
{
  // acx started again as the worker that runs routes' jq programs (acx/jq/jq.hpp), never by a person.
  if (const auto worker = acx::jq::serve_if_worker(argc, argv)) {
    return *worker;
  }
  return acx::cli::main(argc, argv);
}
