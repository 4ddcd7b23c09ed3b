#include <doctest/doctest.h>

#include "acx/util/crypto.hpp"
#include "acx/util/encoding.hpp"
#include "acx/util/headers.hpp"
#include "acx/util/text.hpp"

using namespace acx::util;

TEST_CASE("acx::util::base64")
{
  SUBCASE("RFC 4648 test vectors round trip")
  {
    const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                           {"f", "Zg=="},
                                                           {"fo", "Zm8="},
                                                           {"foo", "Zm9v"},
                                                           {"foob", "Zm9vYg=="},
                                                           {"fooba", "Zm9vYmE="},
                                                           {"foobar", "Zm9vYmFy"}};
    for (auto [plain, encoded] : vectors) {
      CHECK(base64_encode(as_bytes(plain)) == encoded);
      auto back = base64_decode(encoded);
      REQUIRE(back);
      CHECK(std::string(back->begin(), back->end()) == plain);
    }
  }
  SUBCASE("padding is optional, garbage is refused")
  {
    CHECK(base64_decode("Zm8")->size() == 2);
    CHECK_FALSE(base64_decode("Zm9v!"));
    CHECK_FALSE(base64_decode("Z"));
    CHECK_FALSE(base64_decode("Zm=9"));
    CHECK_FALSE(base64_decode("Zm9v\n"));
  }
}

TEST_CASE("acx::util::hex")
{
  const Bytes b{0x00, 0xab, 0xff};
  CHECK(hex_encode(b) == "00abff");
  CHECK(hex_decode("00ABff") == b);
  CHECK_FALSE(hex_decode("abc"));
  CHECK_FALSE(hex_decode("zz"));
}

TEST_CASE("acx::util::percent_decode")
{
  CHECK(percent_decode("a%20b+c") == "a b c");
  CHECK(percent_decode("%2F%2f") == "//");
  CHECK_FALSE(percent_decode("%"));
  CHECK_FALSE(percent_decode("%2"));
  CHECK_FALSE(percent_decode("%zz"));
}

TEST_CASE("acx::util::crypto")
{
  SUBCASE("HMAC-SHA256, RFC 4231 test case 2")
  {
    const auto mac = hmac_sha256(as_bytes("Jefe"), {"what do ya want ", "for nothing?"});
    CHECK(hex_encode(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  }
  SUBCASE("empty key")
  {
    CHECK(hex_encode(hmac_sha256({}, {""})) == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
  }
  SUBCASE("constant_time_equal")
  {
    CHECK(constant_time_equal(as_bytes("abc"), as_bytes("abc")));
    CHECK_FALSE(constant_time_equal(as_bytes("abc"), as_bytes("abd")));
    CHECK_FALSE(constant_time_equal(as_bytes("abc"), as_bytes("abcd")));
    CHECK(constant_time_equal(as_bytes(""), as_bytes("")));
  }
  SUBCASE("fresh GUIDs are version 4 and distinct")
  {
    const auto a = new_guid();
    CHECK(a.size() == 36);
    CHECK(a[14] == '4');
    CHECK(a != new_guid());
  }
}

TEST_CASE("acx::util::headers")
{
  Headers h{{"Content-Type", "application/json"}, {"webhook-id", "msg_1"}};
  CHECK(*h.find("content-type") == "application/json");
  CHECK(*h.find("WEBHOOK-ID") == "msg_1");
  CHECK(h.find("x") == nullptr);
  h.add("Webhook-Id", "msg_2");
  CHECK(h.count("webhook-id") == 2);

  auto parsed = parse_header_line("  X-Acx-Signature :  sha256=ab \r");
  REQUIRE(parsed);
  CHECK(parsed->name == "X-Acx-Signature");
  CHECK(parsed->value == "sha256=ab");
  CHECK(parse_header_line("Empty:")->value.empty());
  CHECK_FALSE(parse_header_line("no colon"));
  CHECK_FALSE(parse_header_line(": value"));
  CHECK_FALSE(parse_header_line("bad name: v"));
}

TEST_CASE("acx::util::text")
{
  CHECK(iequals("TopicName", "topicname"));
  CHECK_FALSE(iequals("topicName", "topicNamee"));
  CHECK(split("a b  c", ' ').size() == 4);
  CHECK(excerpt("a\x01z") == "a\\x01z");
  CHECK(excerpt(std::string(100, 'x'), 10) == "xxxxxxxxxx...");
  // What a terminal would act on is shown, not done: C0, DEL, C1 (as UTF-8 and as lone bytes); text stays text.
  CHECK(printable("a\x1b]0;pwned\x07\x1b[2J") == "a\\x1b]0;pwned\\x07\\x1b[2J");
  CHECK(printable("x\x7fy") == "x\\x7fy");
  CHECK(printable("\xc2\x9b"
                  "31m") == "\\u009b31m");
  CHECK(printable("\x9b"
                  "31m") == "\\x9b31m");
  CHECK(printable("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8f\xa0") == "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8f\xa0");
  CHECK(printable("\xc2\xa0nbsp") == "\xc2\xa0nbsp");
  CHECK(printable("\xed\xa0\x80") == "\\xed\\xa0\\x80"); // a surrogate is not UTF-8
}

TEST_CASE("acx::util::append_json_string")
{
  auto q = [](std::string_view s) {
    std::string out;
    append_json_string(out, s);
    return out;
  };
  CHECK(q("plain") == "\"plain\"");
  CHECK(q("a\"b\\c\n\x01") == "\"a\\\"b\\\\c\\u000a\\u0001\"");
  CHECK(q("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x8f\xa0") == "\"caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x8f\xa0\"");
  CHECK(q("\xff") == "\"\\ufffd\"");
  CHECK(q("\xc3") == "\"\\ufffd\"");                       // truncated sequence
  CHECK(q("\xed\xa0\x80") == "\"\\ufffd\\ufffd\\ufffd\""); // a UTF-16 surrogate
  CHECK(q("\xc0\xaf") == "\"\\ufffd\\ufffd\"");            // overlong
}

TEST_CASE("acx::util::parse_size")
{
  CHECK(parse_size("1048576") == 1048576u);
  CHECK(parse_size("1MiB") == 1048576u);
  CHECK(parse_size("512k") == 524288u);
  CHECK(parse_size("2GB") == 2147483648u);
  CHECK_FALSE(parse_size(""));
  CHECK_FALSE(parse_size("MiB"));
  CHECK_FALSE(parse_size("1 MiB"));
  CHECK_FALSE(parse_size("1TB"));
  CHECK_FALSE(parse_size("99999999999999999999"));
}
