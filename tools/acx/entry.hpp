#pragma once

namespace acx::cli {

// acx's main(): parses the command line, runs the command and maps every failure to its exit code.
int main(int argc, char** argv);

} // namespace acx::cli
