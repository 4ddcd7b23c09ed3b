// acx: receive, verify, journal, test and simulate AccuLynx webhooks. The command line is app.cpp (acx_cli): this file
// does not include CLI11, so it compiles in a moment.
#include "entry.hpp"

int main(int argc, char** argv)
{
  return acx::cli::main(argc, argv);
}
