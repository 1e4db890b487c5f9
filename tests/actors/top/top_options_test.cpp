// supervise-top's command line: good input gives the options; bad input
// gives exit code 2 and a message naming the bad value; --help gives 0.
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <vector>

#include <unistd.h>

#include "top_options.hpp"

using namespace supervise::top;

namespace {

parse_outcome parse_args(std::initializer_list<const char*> args) {
  std::vector<const char*> argv{"supervise-top"};
  argv.insert(argv.end(), args.begin(), args.end());
  return parse_top_options(static_cast<int>(argv.size()), argv.data());
}

// Exit code 2 and a message that contains `named`.
void refused(std::initializer_list<const char*> args, const std::string& named) {
  auto r = parse_args(args);
  BOOST_TEST_CONTEXT("message: " << r.message) {
    BOOST_TEST(!r.options);
    BOOST_TEST(r.exit_code == 2);
    BOOST_TEST(r.message.find(named) != std::string::npos);
  }
}

} // namespace

BOOST_AUTO_TEST_SUITE(top_options_suite)

BOOST_AUTO_TEST_CASE(endpoints_and_options_are_read) {
  auto r = parse_args({"--interval", "250", "--filter=root.api*", "127.0.0.1:4000",
                       "[::1]:4001", "--once", "--json"});
  BOOST_REQUIRE(r.options);
  auto& o = *r.options;
  BOOST_TEST(o.endpoints.size() == 2u);
  BOOST_TEST(o.endpoints[0].host == "127.0.0.1");
  BOOST_TEST(o.endpoints[0].port == 4000);
  BOOST_TEST(o.endpoints[1].host == "::1");
  BOOST_TEST(o.endpoints[1].text() == "[::1]:4001");
  BOOST_TEST(o.interval.count() == 250);
  BOOST_TEST(o.filter == "root.api*");
  BOOST_TEST(o.once);
  BOOST_TEST((o.format == once_format::json));
  BOOST_TEST(!o.tls());
}

BOOST_AUTO_TEST_CASE(help_exits_zero_with_the_usage) {
  auto r = parse_args({"--help"});
  BOOST_TEST(!r.options);
  BOOST_TEST(r.exit_code == 0);
  BOOST_TEST(r.message.find("usage: supervise-top") == 0u);
}

BOOST_AUTO_TEST_CASE(bad_input_names_the_value) {
  refused({}, "no endpoint");
  refused({"localhost"}, "'localhost'");
  refused({"127.0.0.1:0"}, "'127.0.0.1:0'");
  refused({"127.0.0.1:65536"}, "'127.0.0.1:65536'");
  refused({"127.0.0.1:http"}, "'127.0.0.1:http'");
  refused({":4000"}, "':4000'");
  refused({"--bogus", "127.0.0.1:4000"}, "'--bogus'");
  refused({"--interval", "fast", "127.0.0.1:4000"}, "'fast'");
  refused({"--interval", "10", "127.0.0.1:4000"}, "'10'");
  refused({"127.0.0.1:4000", "--interval"}, "--interval needs a value");
  refused({"--filter=", "127.0.0.1:4000"}, "--filter needs");
  refused({"--json", "127.0.0.1:4000"}, "--json needs --once");
  refused({"--once", "--json", "--dot", "127.0.0.1:4000"}, "exclude each other");
  refused({"--once=yes", "127.0.0.1:4000"}, "'yes'");
  refused({"--tls-cert", "/nonexistent/top.pem", "127.0.0.1:4000"}, "'/nonexistent/top.pem'");
}

BOOST_AUTO_TEST_CASE(tls_files_go_together) {
  // The parser checks that the files are readable; what they hold is
  // checked when the actor system is prepared.
  auto path = std::filesystem::temp_directory_path()
              / ("supervise-top-options-" + std::to_string(::getpid()) + ".pem");
  auto f = path.string();
  std::fclose(std::fopen(f.c_str(), "w"));
  refused({"--tls-cert", f.c_str(), "127.0.0.1:4000"}, "missing --tls-key and --tls-ca");
  auto r = parse_args({"--tls-cert", f.c_str(), "--tls-key", f.c_str(), "--tls-ca", f.c_str(),
                       "127.0.0.1:4000"});
  std::filesystem::remove(path);
  BOOST_REQUIRE(r.options);
  BOOST_TEST(r.options->tls());
}

BOOST_AUTO_TEST_CASE(operands_after_double_dash) {
  auto r = parse_args({"--", "127.0.0.1:4000"});
  BOOST_REQUIRE(r.options);
  BOOST_TEST(r.options->endpoints.size() == 1u);
  refused({"--", "--once"}, "'--once'");
}

BOOST_AUTO_TEST_SUITE_END()
