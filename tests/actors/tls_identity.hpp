// tls_identity.hpp — a cluster's TLS files for tests, made with the openssl
// command (EC keys: fast) in a temporary directory removed afterwards: a CA,
// a node certificate it signed with its key (also encrypted, passphrase
// "secret"), a certificate of another CA, and a file that holds none.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <stdlib.h>

#include <boost/test/unit_test.hpp>

#include "supervise/actors/tls_files.hpp"
#include "supervise/errc.hpp"

namespace test {

/// The text of an error ("(none)" for none), for exact checks.
inline std::string text_of(const caf::error& err) {
  return err ? supervise::detail_of(err) : std::string{"(none)"};
}

struct identity_fixture {
  std::filesystem::path dir;

  identity_fixture() {
    char name[] = "/tmp/supervise-tls-XXXXXX";
    BOOST_REQUIRE(mkdtemp(name) != nullptr);
    dir = name;
    auto ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    make("openssl req -x509 " + std::string{ec} + " -keyout ca.key -out ca.pem -subj /CN=ca -days 1");
    make("openssl req " + std::string{ec} + " -keyout node.key -out node.csr -subj /CN=node");
    make("openssl x509 -req -in node.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out node.pem -days 1");
    make("openssl req -x509 " + std::string{ec} + " -keyout other.key -out other.pem -subj /CN=other -days 1");
    make("openssl pkey -in node.key -aes256 -passout pass:secret -out node-encrypted.key");
    std::ofstream{dir / "empty.pem"} << "not a certificate\n";
  }

  ~identity_fixture() { std::filesystem::remove_all(dir); }

  // Runs `cmd` in the directory; the test stops if it fails.
  void make(const std::string& cmd) {
    auto full = "cd " + dir.string() + " && " + cmd + " >/dev/null 2>&1";
    BOOST_REQUIRE_MESSAGE(std::system(full.c_str()) == 0, "could not run: " << cmd);
  }

  std::string at(const char* file) const { return (dir / file).string(); }

  supervise::actors::tls_files good() const { return {at("node.pem"), at("node.key"), "", at("ca.pem"), ""}; }
};

} // namespace test
