/* SPDX-License-Identifier: MIT */
/* Ordering cycles. Only After= and Before= order units; Requires= and Wants= alone do not (as in
 * systemd), so they add no edge. An edge u -> v means "u starts after v". */

#include "common/util.h"
#include "units/unit-internal.h"

struct edge {
        size_t to;
        struct unit_location loc;
};

struct graph {
        struct unit *const *units;
        size_t n;
        size_t *by_name; /* indices sorted by name, for lookups */
        struct edge **edges;
        size_t *n_edges;
        unsigned char *color; /* 0 unvisited, 1 on the current path, 2 done */
        size_t *path; /* the DFS path ... */
        struct edge *path_edge; /* ... and the edge that leaves each node of it */
        size_t depth;
        bool *refused;
        struct unit_diag *diag;
};

static int cmp_by_name(const void *a, const void *b, void *arg) {
        struct unit *const *units = arg;
        return strcmp(units[*(const size_t *) a]->name, units[*(const size_t *) b]->name);
}

static bool graph_find(const struct graph *g, const char *name, size_t *ret) {
        size_t lo = 0, hi = g->n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(g->units[g->by_name[mid]]->name, name);
                if (c == 0) {
                        *ret = g->by_name[mid];
                        return true;
                }
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return false;
}

static int graph_add_edge(struct graph *g, size_t from, size_t to, struct unit_location loc) {
        struct edge *e = reallocarray(g->edges[from], g->n_edges[from] + 1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        g->edges[from] = e;
        e[g->n_edges[from]++] = (struct edge){ to, loc };
        return 0;
}

static int graph_build(struct graph *g) {
        for (size_t i = 0; i < g->n; i++) {
                const struct unit *u = g->units[i];
                size_t j;
                for (size_t k = 0; u->after && u->after[k]; k++)
                        if (graph_find(g, u->after[k], &j) && graph_add_edge(g, i, j, u->after_loc[k]) < 0)
                                return -ENOMEM;
                /* "Before=b" in a is "b starts after a". */
                for (size_t k = 0; u->before && u->before[k]; k++)
                        if (graph_find(g, u->before[k], &j) && graph_add_edge(g, j, i, u->before_loc[k]) < 0)
                                return -ENOMEM;
        }
        return 0;
}

/* Reports the cycle that runs along the path from position FROM to its end and back: one error
 * per unit, at the After=/Before= line that orders it after the next one. */
static int report_cycle(struct graph *g, size_t from) {
        size_t len = g->depth - from;

        for (size_t k = 0; k < len; k++) {
                size_t v = g->path[from + k];
                char *s = NULL;
                size_t n = 0;
                FILE *f = open_memstream(&s, &n);
                if (!f)
                        return -ENOMEM;
                for (size_t i = 0; i <= len; i++)
                        fprintf(f, "%s%s", i ? " -> " : "", g->units[g->path[from + (k + i) % len]]->name);
                if (fclose(f) != 0) {
                        free(s);
                        return -ENOMEM;
                }
                const struct unit_location *loc = &g->path_edge[from + k].loc;
                int r = diag_add(g->diag, false, loc->file, loc->line,
                                 "ordering cycle: %s (each unit starts after the next); %s is refused", s,
                                 g->units[v]->name);
                free(s);
                if (r < 0)
                        return r;
                g->refused[v] = true;
        }
        return 0;
}

static int dfs(struct graph *g, size_t v) {
        g->color[v] = 1;
        g->path[g->depth++] = v;
        for (size_t i = 0; i < g->n_edges[v]; i++) {
                const struct edge *e = &g->edges[v][i];
                int r = 0;
                g->path_edge[g->depth - 1] = *e;
                if (g->color[e->to] == 1) {
                        size_t from = 0;
                        while (g->path[from] != e->to)
                                from++;
                        r = report_cycle(g, from);
                } else if (g->color[e->to] == 0)
                        r = dfs(g, e->to);
                if (r < 0)
                        return r;
        }
        g->depth--;
        g->color[v] = 2;
        return 0;
}

static void graph_done(struct graph *g) {
        for (size_t i = 0; g->edges && i < g->n; i++)
                free(g->edges[i]);
        free(g->edges);
        free(g->n_edges);
        free(g->by_name);
        free(g->color);
        free(g->path);
        free(g->path_edge);
}

int unit_check_graph(struct unit *const *units, size_t n, bool *refused, struct unit_diag *diag) {
        _cleanup_(graph_done) struct graph g = {
                .units = units,
                .n = n,
                .by_name = calloc(n + 1, sizeof(size_t)),
                .edges = calloc(n + 1, sizeof(struct edge *)),
                .n_edges = calloc(n + 1, sizeof(size_t)),
                .color = calloc(n + 1, 1),
                .path = calloc(n + 1, sizeof(size_t)),
                .path_edge = calloc(n + 1, sizeof(struct edge)),
                .refused = refused,
                .diag = diag,
        };

        if (!g.by_name || !g.edges || !g.n_edges || !g.color || !g.path || !g.path_edge)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                g.by_name[i] = i;
        qsort_r(g.by_name, n, sizeof(size_t), cmp_by_name, (void *) units);
        int r = graph_build(&g);
        for (size_t i = 0; r >= 0 && i < n; i++)
                if (g.color[i] == 0)
                        r = dfs(&g, i);
        return r;
}
