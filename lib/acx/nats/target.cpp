#include "acx/nats/target.hpp"

#include <fmt/format.h>

#include "acx/util/encoding.hpp"
#include "acx/util/text.hpp"
#include "acx/util/url.hpp"

namespace acx::nats {

namespace {

constexpr std::string_view k_plain = "nats://";
constexpr std::string_view k_tls = "nats+tls://";

// What NATS refuses in a subject acx publishes to: nullopt when it is fine.
std::optional<std::string> subject_problem(std::string_view subject)
{
  if (subject.empty()) {
    return "no subject: nats://HOST:PORT/SUBJECT";
  }
  for (const auto token : util::split(subject, '.')) {
    if (token.empty()) {
      return fmt::format("the subject {} has an empty token", util::printable(subject));
    }
    if (token == "*" || token == ">") {
      return fmt::format("the subject {} has a wildcard: events are published to one subject",
                         util::printable(subject));
    }
  }
  for (const char ch : subject) {
    if (static_cast<unsigned char>(ch) <= ' ' || ch == 0x7f) {
      return fmt::format("the subject {} has a space or a control character", util::printable(subject));
    }
  }
  return std::nullopt;
}

// What JetStream refuses in a stream name: nullopt when it is fine.
std::optional<std::string> stream_problem(std::string_view name)
{
  if (name.empty() || name.size() > 255) {
    return "a stream name has 1 to 255 characters";
  }
  for (const char ch : name) {
    if (static_cast<unsigned char>(ch) <= ' ' || ch == 0x7f || ch == '.' || ch == '*' || ch == '>' || ch == '/' ||
        ch == '\\') {
      return fmt::format("the stream name {} has a character JetStream refuses (a space, '.', '*', '>', '/' or '\\')",
                         util::printable(name));
    }
  }
  return std::nullopt;
}

std::string stream_for(std::string_view subject)
{
  std::string out;
  for (const char ch : subject) {
    out += ch == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  return out;
}

} // namespace

bool is_nats_url(std::string_view url)
{
  return url.starts_with(k_plain) || url.starts_with(k_tls);
}

std::optional<Target> parse_target(std::string_view text, std::string* why)
{
  const auto fail = [why](std::string reason) -> std::optional<Target> {
    if (why) {
      *why = std::move(reason);
    }
    return std::nullopt;
  };
  if (!is_nats_url(text)) {
    return fail("expected nats:// or nats+tls://");
  }
  Target t;
  t.tls = text.starts_with(k_tls);
  const std::string_view rest = text.substr(t.tls ? k_tls.size() : k_plain.size());
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  const bool port_given = authority.starts_with("[") ? authority.find("]:") != std::string_view::npos
                                                     : authority.find(':') != std::string_view::npos;
  // The host and port are an HTTP URL's: util::parse_url reads them (and refuses credentials: use ?creds=).
  std::string as_http =
      fmt::format("http://{}{}{}", authority, port_given ? "" : ":4222", rest.substr(authority.size()));
  std::string url_why;
  const auto url = util::parse_url(as_http, &url_why);
  if (!url) {
    return fail(url_why == "credentials in the URL are not supported"
                    ? "credentials in the URL are not supported: ?creds=FILE names a credentials file"
                    : url_why);
  }
  t.server = fmt::format("{}://{}", t.tls ? "tls" : "nats", url->origin().substr(7));
  const auto query = url->target.find('?');
  const auto subject = util::percent_decode(std::string_view(url->target).substr(1, query - 1));
  if (!subject) {
    return fail("the subject is not percent-encoded well");
  }
  t.subject = *subject;
  if (auto problem = subject_problem(t.subject)) {
    return fail(*problem);
  }
  t.stream = stream_for(t.subject);
  if (query != std::string::npos) {
    for (const auto pair : util::split(std::string_view(url->target).substr(query + 1), '&')) {
      const auto eq = pair.find('=');
      const auto key = pair.substr(0, eq);
      const auto value = util::percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
      if (!value || value->empty()) {
        return fail(fmt::format("?{} needs a value", util::printable(key)));
      }
      if (key == "stream") {
        t.stream = *value;
      } else if (key == "creds") {
        t.creds = *value;
      } else {
        return fail(fmt::format("unknown parameter {}: a NATS target takes stream= and creds=", util::printable(key)));
      }
    }
  }
  if (auto problem = stream_problem(t.stream)) {
    return fail(*problem);
  }
  return t;
}

} // namespace acx::nats
