// supervise/actors/tls_files.hpp — a node's mutual-TLS identity, checked
// before anything is published.
//
// CAF 0.17's openssl module reads its files only when the first connection
// arrives, and a missing or unreadable one then aborts the whole process
// ("cannot load certificate"). check() loads them first, with the OpenSSL
// calls CAF makes, so a bad path, a key that does not match its certificate
// or a wrong passphrase is a clear error naming the file at start.
// Distribution is mutual TLS: a certificate, its key and the cluster's CA
// (a file or a hashed directory) are all required; the CA is the membership
// (CAF 0.17 checks no host name).
#pragma once

#include <string>

#include <caf/error.hpp>
#include <caf/fwd.hpp>

namespace supervise::actors {

/// The files of one node's TLS identity: CAF's `openssl.*` keys.
struct tls_files {
  std::string certificate; ///< PEM chain of this node (openssl.certificate)
  std::string key;         ///< its private key in PEM (openssl.key)
  std::string passphrase;  ///< of an encrypted key (openssl.passphrase); empty: none
  std::string cafile;      ///< PEM bundle of the accepted CA (openssl.cafile)
  std::string capath;      ///< or an OpenSSL hashed CA directory (openssl.capath)
};

/// The openssl.* values of `cfg` (empty where unset).
tls_files tls_files_from(const caf::actor_system_config& cfg);

/// Loads `f` as CAF's openssl module will: none when a mutual-TLS endpoint
/// can use them; else actors_errc::tls_files naming the file and OpenSSL's
/// reason, e.g. "openssl.key /etc/node.key: does not match openssl.certificate
/// /etc/node.pem", or naming the missing setting ("openssl.cafile or
/// openssl.capath: required for mutual TLS"). Any thread; reads the files.
caf::error check(const tls_files& f);

} // namespace supervise::actors
