/* SPDX-License-Identifier: MIT */
/* YAML documents (libyaml) as json-c values, for svc import-kube: mappings become objects,
 * sequences arrays, a plain scalar that reads as an integer or a boolean becomes one, any other
 * scalar a string. Aliases are followed, within a budget of nodes: an alias is the way a small
 * file becomes a huge value. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/export/export.h"

typedef struct json_object json;

static json *scalar(const yaml_node_t *n) {
        const char *v = (const char *) n->data.scalar.value;
        if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
                return json_object_new_string(v);
        if (streq(v, "true") || streq(v, "false"))
                return json_object_new_boolean(streq(v, "true"));
        char *end = NULL;
        errno = 0;
        long long i = strtoll(v, &end, 10);
        if (*v && end && !*end && errno == 0)
                return json_object_new_int64(i);
        return json_object_new_string(v);
}

static json *node_json(yaml_document_t *d, yaml_node_t *n, unsigned depth, unsigned *budget) {
        if (!n || depth > 64 || *budget == 0)
                return NULL;
        (*budget)--;
        if (n->type == YAML_SCALAR_NODE)
                return scalar(n);
        if (n->type == YAML_SEQUENCE_NODE) {
                json *a = json_object_new_array();
                for (yaml_node_item_t *i = n->data.sequence.items.start; a && i < n->data.sequence.items.top;
                     i++)
                        json_object_array_add(a,
                                              node_json(d, yaml_document_get_node(d, *i), depth + 1, budget));
                return a;
        }
        json *o = json_object_new_object();
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; o && p < n->data.mapping.pairs.top; p++) {
                yaml_node_t *k = yaml_document_get_node(d, p->key);
                if (!k || k->type != YAML_SCALAR_NODE)
                        continue;
                json_object_object_add(o, (const char *) k->data.scalar.value,
                                       node_json(d, yaml_document_get_node(d, p->value), depth + 1, budget));
        }
        return o;
}

/* The documents of PATH, in order. 0, or -errno with a sentence naming PATH:LINE. */
int import_yaml_load(const char *path, json **ret, char **ret_error) {
        FILE *f = fopen(path, "re");
        if (!f)
                return export_error(ret_error, -errno, "cannot open %s: %m", path);
        yaml_parser_t parser;
        yaml_parser_initialize(&parser);
        yaml_parser_set_input_file(&parser, f);
        json *docs = json_object_new_array();
        int r = 0;
        unsigned budget = 100000;
        for (;;) {
                yaml_document_t d;
                if (!yaml_parser_load(&parser, &d)) {
                        r = export_error(ret_error, -EINVAL, "%s:%zu: %s", path, parser.problem_mark.line + 1,
                                         parser.problem ? parser.problem : "not YAML");
                        break;
                }
                yaml_node_t *root = yaml_document_get_root_node(&d);
                if (root)
                        json_object_array_add(docs, node_json(&d, root, 0, &budget));
                yaml_document_delete(&d);
                if (budget == 0)
                        r = export_error(ret_error, -E2BIG, "%s: more than 100000 values", path);
                if (!root || r < 0)
                        break;
        }
        yaml_parser_delete(&parser);
        fclose(f);
        if (r < 0) {
                json_object_put(docs);
                return r;
        }
        *ret = docs;
        return 0;
}
