// kube-validate.mjs CACHE FILE...: validates every document of each manifest FILE (JSON documents
// after "---" lines, "#" comments, as `svc export --to kube` writes them) against the Kubernetes
// API schema compiled into the npm package kubernetes-models under CACHE (contrib/kube-schema.sh).
// Prints "FILE: KIND NAME valid" per document; exits 1 at the first invalid one, with the errors.
import { readFileSync } from "node:fs";

const [cache, ...files] = process.argv.slice(2);
const core = await import(`${cache}/node_modules/kubernetes-models/v1/index.js`);
const networking = await import(`${cache}/node_modules/kubernetes-models/networking.k8s.io/v1/index.js`);
const kinds = { "v1": core, "networking.k8s.io/v1": networking };

let failed = false;
for (const file of files) {
        const text = readFileSync(file, "utf8").split("\n").filter((l) => !l.startsWith("#")).join("\n");
        for (const part of text.split(/^---$/m)) {
                if (!part.trim())
                        continue;
                const doc = JSON.parse(part);
                const model = kinds[doc.apiVersion]?.[doc.kind];
                if (!model) {
                        console.log(`${file}: ${doc.apiVersion} ${doc.kind}: no schema`);
                        failed = true;
                        continue;
                }
                try {
                        new model(doc).validate();
                        console.log(`${file}: ${doc.kind} ${doc.metadata.name} valid`);
                } catch (e) {
                        console.log(`${file}: ${doc.kind} ${doc.metadata?.name}: ${e.message}`);
                        failed = true;
                }
        }
}
process.exit(failed ? 1 : 0);
