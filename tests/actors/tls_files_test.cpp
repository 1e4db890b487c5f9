// A node's TLS files checked before anything is published: a usable mutual
// identity passes; a missing file, a key of another certificate, a wrong
// passphrase, a CA file without certificates and a missing setting are each
// an actors_errc::tls_files naming the setting and the file (the files:
// tls_identity.hpp).
#include <boost/test/unit_test.hpp>

#include <string>

#include <caf/actor_system_config.hpp>

#include "supervise/actors/errc.hpp"
#include "supervise/actors/tls_files.hpp"
#include "tls_identity.hpp"

using namespace supervise::actors;
using test::identity_fixture;
using test::text_of;

BOOST_FIXTURE_TEST_SUITE(tls_files_check, identity_fixture)

BOOST_AUTO_TEST_CASE(a_usable_identity_passes) {
  BOOST_CHECK_EQUAL(text_of(check(good())), "(none)");
  auto encrypted = good();
  encrypted.key = at("node-encrypted.key");
  encrypted.passphrase = "secret";
  BOOST_CHECK_EQUAL(text_of(check(encrypted)), "(none)");
  auto by_dir = good();
  by_dir.cafile.clear();
  by_dir.capath = dir.string(); // a directory is accepted as such
  BOOST_CHECK_EQUAL(text_of(check(by_dir)), "(none)");
}

BOOST_AUTO_TEST_CASE(each_bad_file_is_named) {
  auto missing = good();
  missing.certificate = at("missing.pem");
  auto err = check(missing);
  BOOST_CHECK(err == actors_errc::tls_files);
  BOOST_CHECK_EQUAL(text_of(err),
                    "openssl.certificate " + at("missing.pem") + ": No such file or directory");
  auto mismatch = good();
  mismatch.key = at("other.key");
  BOOST_CHECK_EQUAL(text_of(check(mismatch)), "openssl.key " + at("other.key")
                                                  + ": does not match openssl.certificate "
                                                  + at("node.pem"));
  auto wrong_pass = good();
  wrong_pass.key = at("node-encrypted.key");
  wrong_pass.passphrase = "guess";
  BOOST_CHECK(text_of(check(wrong_pass)).find("openssl.key " + at("node-encrypted.key")) == 0);
  auto no_pass = wrong_pass;
  no_pass.passphrase.clear();
  BOOST_CHECK(text_of(check(no_pass)).find("openssl.key ") == 0);
  auto bad_ca = good();
  bad_ca.cafile = at("empty.pem");
  BOOST_CHECK(text_of(check(bad_ca)).find("openssl.cafile " + at("empty.pem") + ": ") == 0);
}

BOOST_AUTO_TEST_CASE(every_setting_is_required) {
  auto no_cert = good();
  no_cert.certificate.clear();
  BOOST_CHECK_EQUAL(text_of(check(no_cert)), "openssl.certificate: required for mutual TLS");
  auto no_key = good();
  no_key.key.clear();
  BOOST_CHECK_EQUAL(text_of(check(no_key)), "openssl.key: required for mutual TLS");
  auto no_ca = good();
  no_ca.cafile.clear();
  BOOST_CHECK_EQUAL(text_of(check(no_ca)),
                    "openssl.cafile or openssl.capath: required for mutual TLS");
}

BOOST_AUTO_TEST_CASE(the_files_come_from_cafs_openssl_keys) {
  caf::actor_system_config cfg;
  cfg.set("openssl.certificate", at("node.pem"));
  cfg.set("openssl.key", at("node.key"));
  cfg.set("openssl.cafile", at("ca.pem"));
  auto f = tls_files_from(cfg);
  BOOST_CHECK_EQUAL(f.certificate, at("node.pem"));
  BOOST_CHECK_EQUAL(f.key, at("node.key"));
  BOOST_CHECK_EQUAL(f.cafile, at("ca.pem"));
  BOOST_CHECK(f.capath.empty());
  BOOST_CHECK_EQUAL(text_of(check(f)), "(none)");
}

BOOST_AUTO_TEST_SUITE_END()
