#include "supervise/actors/tls_files.hpp"

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include <unistd.h>

#include <caf/actor_system_config.hpp>
#include <caf/settings.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "supervise/actors/errc.hpp"

namespace supervise::actors {

namespace {

// OpenSSL's reason for the last failure, its error queue emptied.
std::string openssl_reason() {
  std::string out;
  while (auto code = ERR_get_error()) {
    if (out.empty())
      if (auto* why = ERR_reason_error_string(code))
        out = why;
  }
  return out.empty() ? "unusable" : out;
}

caf::error bad(const std::string& setting, const std::string& file, const std::string& why) {
  name_category();
  return make_error(actors_errc::tls_files, setting + " " + file + ": " + why);
}

// The passphrase OpenSSL asks for when the key is encrypted.
int give_passphrase(char* buf, int size, int, void* user) {
  auto& pass = *static_cast<const std::string*>(user);
  if (pass.empty() || static_cast<int>(pass.size()) >= size)
    return 0; // none given, or too long: the key does not load
  std::memcpy(buf, pass.data(), pass.size());
  return static_cast<int>(pass.size());
}

} // namespace

tls_files tls_files_from(const caf::actor_system_config& cfg) {
  auto get = [&](const char* key) { return caf::get_or(cfg, key, std::string{}); };
  return {get("openssl.certificate"), get("openssl.key"), get("openssl.passphrase"),
          get("openssl.cafile"), get("openssl.capath")};
}

caf::error check(const tls_files& f) {
  auto required = [](const char* setting) {
    name_category();
    return make_error(actors_errc::tls_files,
                      std::string{setting} + ": required for mutual TLS");
  };
  if (f.certificate.empty())
    return required("openssl.certificate");
  if (f.key.empty())
    return required("openssl.key");
  if (f.cafile.empty() && f.capath.empty())
    return required("openssl.cafile or openssl.capath");
  // A file that cannot be read, said plainly (OpenSSL 3 would say "system lib").
  for (auto [setting, path] : {std::pair{"openssl.certificate", &f.certificate},
                               std::pair{"openssl.key", &f.key},
                               std::pair{"openssl.cafile", &f.cafile},
                               std::pair{"openssl.capath", &f.capath}})
    if (!path->empty() && ::access(path->c_str(), R_OK) != 0)
      return bad(setting, *path, std::strerror(errno));
  ERR_clear_error();
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx{SSL_CTX_new(TLS_method()), SSL_CTX_free};
  if (!ctx)
    return bad("openssl", "context", openssl_reason());
  auto* pass = const_cast<std::string*>(&f.passphrase); // read only, by give_passphrase
  SSL_CTX_set_default_passwd_cb(ctx.get(), give_passphrase);
  SSL_CTX_set_default_passwd_cb_userdata(ctx.get(), pass);
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), f.certificate.c_str()) != 1)
    return bad("openssl.certificate", f.certificate, openssl_reason());
  auto mismatch = "does not match openssl.certificate " + f.certificate;
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), f.key.c_str(), SSL_FILETYPE_PEM) != 1) {
    auto why = openssl_reason(); // OpenSSL 3 compares the key with the certificate here
    if (why.find("mismatch") != std::string::npos)
      return bad("openssl.key", f.key, mismatch);
    return bad("openssl.key", f.key,
               why + (f.passphrase.empty() ? "" : " (wrong openssl.passphrase?)"));
  }
  if (SSL_CTX_check_private_key(ctx.get()) != 1)
    return bad("openssl.key", f.key, mismatch);
  const char* cafile = f.cafile.empty() ? nullptr : f.cafile.c_str();
  const char* capath = f.capath.empty() ? nullptr : f.capath.c_str();
  if (SSL_CTX_load_verify_locations(ctx.get(), cafile, capath) != 1)
    return bad(cafile ? "openssl.cafile" : "openssl.capath", cafile ? f.cafile : f.capath,
               openssl_reason());
  return {};
}

} // namespace supervise::actors
