#include "help.hpp"

#include <fmt/format.h>
#include <regex>

#include "acx/util/text.hpp"
#include "options.hpp"

namespace acx::cli {

namespace {

// A value's name from CLI11's type name: "INT:INT in [0 - 65535]" is N, "TEXT:{text,json}" is text|json (a long list
// of choices is left to the description), "DURATION" stays.
std::string value_name(const std::string& type)
{
  if (const auto choices = choices_in(type); !choices.empty() && choices.size() <= 6) {
    return fmt::format("{}", fmt::join(choices, "|"));
  }
  const std::string base = type.substr(0, type.find_first_of(": "));
  if (base == "INT" || base == "UINT") {
    return "N";
  }
  return base.empty() ? "VALUE" : base;
}

class Formatter final : public CLI::Formatter {
public:
  // The names without CLI11's default-value syntax ("--inspect{8789}" is --inspect).
  std::string make_option_name(const CLI::Option* opt, bool positional) const override
  {
    std::string name = CLI::Formatter::make_option_name(opt, positional);
    for (auto open = name.find('{'); open != std::string::npos; open = name.find('{')) {
      name.erase(open, name.find('}', open) - open + 1);
    }
    return name;
  }

  std::string make_option_opts(const CLI::Option* opt) const override
  {
    if (!opt->get_option_text().empty()) {
      return " " + opt->get_option_text();
    }
    if (opt->get_name(false, true).find('{') != std::string::npos) {
      return "[=VALUE]"; // a flag with a value (--inspect{8789}): given in the same word, --inspect=PORT
    }
    if (opt->get_type_name().empty()) {
      return {}; // a flag
    }
    std::string out = " " + value_name(opt->get_type_name());
    if (opt->get_items_expected_max() > 1) {
      out += " ...";
    }
    if (!opt->get_default_str().empty()) {
      out += fmt::format(" (default {})", opt->get_default_str());
    }
    if (!opt->get_envname().empty()) {
      out += fmt::format(" (env {})", opt->get_envname());
    }
    if (opt->get_required()) {
      out += " (required)";
    }
    return out;
  }
};

// The command line of `deepest`: "acx listen".
std::string path_of(const CLI::App& deepest)
{
  std::string path = deepest.get_name();
  for (const CLI::App* p = deepest.get_parent(); p != nullptr; p = p->get_parent()) {
    path = p->get_name() + " " + path;
  }
  return path;
}

// A word left over: an option the command does not have, or a value given apart from an option that takes its value
// in one word (--inspect=8790), or an argument too many.
std::string leftover(const CLI::App& deepest, std::span<char* const> args)
{
  const auto rest = deepest.remaining();
  const auto flag = std::find_if(rest.begin(), rest.end(), [](const std::string& w) { return w.starts_with("-"); });
  if (flag != rest.end()) {
    return fmt::format("'{}' is not an option of {} ({} --help lists them)",
                       util::excerpt(flag->substr(0, flag->find('='))), path_of(deepest), path_of(deepest));
  }
  const std::string& word = rest.front();
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    const CLI::Option* o = word == args[i + 1] ? deepest.get_option_no_throw(args[i]) : nullptr;
    if (o != nullptr && o->get_expected_min() == 0 && o->get_type_size() != 0) {
      return fmt::format("'{}' after {}: its value goes in the same word, {}={}", util::excerpt(word), args[i], args[i],
                         util::excerpt(word));
    }
  }
  return fmt::format("unexpected argument '{}' ({} --help says what it takes)", util::excerpt(word), path_of(deepest));
}

} // namespace

std::vector<std::string> choices_in(const std::string& type)
{
  const auto open = type.find('{');
  const auto close = type.find('}', open);
  std::vector<std::string> out;
  if (open == std::string::npos || close == std::string::npos) {
    return out;
  }
  for (const auto part : util::split(std::string_view(type).substr(open + 1, close - open - 1), ',')) {
    std::string choice(part);
    std::erase(choice, ' ');
    out.push_back(choice.substr(0, choice.find("->"))); // CheckedTransformer shows "{text->0,json->1}"
  }
  return out;
}

std::shared_ptr<CLI::Formatter> help_formatter()
{
  auto f = std::make_shared<Formatter>();
  f->column_width(34);
  return f;
}

std::string in_our_words(const CLI::Error& error, const CLI::App& deepest, std::span<char* const> args)
{
  if (auto near = did_you_mean(deepest)) {
    return *near;
  }
  if (dynamic_cast<const CLI::ExtrasError*>(&error) != nullptr && !deepest.remaining().empty()) {
    return leftover(deepest, args);
  }
  std::string what = error.what();
  static const std::regex range(R"(Value (.*) not in range (\S+) to (\S+))");
  what = std::regex_replace(what, range, "'$1' is not a number from $2 to $3");
  static const std::regex missing(R"(\d+ required \S+ missing)");
  what = std::regex_replace(what, missing, "needs a value");
  return what;
}

} // namespace acx::cli
