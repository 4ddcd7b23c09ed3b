// Certificates for the TLS tests, made with openssl's command line: a CA, a server certificate for localhost and
// 127.0.0.1, and a client certificate (CN acx-forwarder), both signed by the CA; and a key that belongs to neither.
// Written into `dir` as ca.pem/ca.key, server.pem/server.key, client.pem/client.key, other.key.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export function makeCerts(dir) {
  const at = (name) => join(dir, name);
  const ssl = (...args) => execFileSync("openssl", args, { stdio: "ignore" });
  const ec = ["-pkeyopt", "ec_paramgen_curve:prime256v1"];
  ssl("req", "-x509", "-newkey", "ec", ...ec, "-nodes", "-days", "2", "-subj", "/CN=acx test CA",
    "-keyout", at("ca.key"), "-out", at("ca.pem"));
  for (const [name, subject, ext] of [["server", "/CN=localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
    ["client", "/CN=acx-forwarder", "extendedKeyUsage=clientAuth"]]) {
    ssl("req", "-newkey", "ec", ...ec, "-nodes", "-subj", subject, "-keyout", at(`${name}.key`), "-out", at(`${name}.csr`));
    writeFileSync(at(`${name}.ext`), `${ext}\n`);
    ssl("x509", "-req", "-in", at(`${name}.csr`), "-CA", at("ca.pem"), "-CAkey", at("ca.key"), "-CAcreateserial",
      "-days", "2", "-extfile", at(`${name}.ext`), "-out", at(`${name}.pem`));
  }
  ssl("genpkey", "-algorithm", "ec", ...ec, "-out", at("other.key"));
}
