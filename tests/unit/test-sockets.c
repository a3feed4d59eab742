/* SPDX-License-Identifier: MIT */
/* units/: socket files (NAME.socket, [Socket]) loaded into a struct unit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "common/macro.h"
#include "units/unit.h"

/* Loads TEXT as socket NAME; 0 and the unit, or <0 with the first error in *ret_error. */
static int load(const char *name, const char *text, struct unit **ret, char **ret_error) {
        struct unit_diag d = { 0 };
        char file[256];
        snprintf(file, sizeof(file), "/u/%s", name);
        int r = unit_load_string(text, file, name, NULL, ret, &d);
        *ret_error = NULL;
        for (size_t i = 0; i < d.n && !*ret_error; i++)
                if (!d.items[i].warning)
                        *ret_error = unit_diag_format(&d.items[i]);
        unit_diag_clear(&d);
        return r;
}

static void expect_refused(const char *name, const char *text, const char *want) {
        struct unit *u = NULL;
        _cleanup_free_ char *err = NULL;
        assert_int_equal(load(name, text, &u, &err), -EINVAL);
        assert_null(u);
        assert_non_null(err);
        if (!strstr(err, want))
                print_message("expected '%s' in: %s\n", want, err);
        assert_non_null(strstr(err, want));
}

/* mariadb.socket as Debian ships it: an abstract, a path and a port, owner and mode. */
static void test_sockets__mariadb_loads_as_shipped(void **state _unused_) {
        _cleanup_(unit_freep) struct unit *u = NULL;
        _cleanup_free_ char *err = NULL;
        assert_int_equal(load("mariadb.socket",
                              "[Unit]\nDescription=MariaDB\n[Install]\nWantedBy=sockets.target\n[Socket]\n"
                              "SocketUser=mysql\nSocketMode=777\nListenStream=@mariadb\n"
                              "ListenStream=/run/mysqld/mysqld.sock\nListenStream=127.0.0.1:3306\n",
                              &u, &err),
                         0);
        assert_int_equal(u->kind, UNIT_KIND_SOCKET);
        assert_string_equal(u->name, "mariadb.socket");
        assert_string_equal(u->socket.service, "mariadb");
        assert_string_equal(u->socket.fdname, "mariadb.socket");
        assert_string_equal(u->socket.user, "mysql");
        assert_null(u->socket.group);
        assert_int_equal(u->socket.mode, 0777);
        assert_int_equal(u->socket.directory_mode, 0755);
        assert_int_equal(u->n_listen, 3);
        assert_int_equal(u->listen[0].family, AF_UNIX);
        assert_string_equal(u->listen[0].address, "@mariadb");
        assert_int_equal(u->listen[1].type, SOCK_STREAM);
        assert_int_equal(u->listen[2].family, AF_INET);
        assert_int_equal(u->listen[2].port, 3306);
        assert_false(u->accept);
}

static void test_sockets__options_and_kinds(void **state _unused_) {
        _cleanup_(unit_freep) struct unit *u = NULL;
        _cleanup_free_ char *err = NULL;
        assert_int_equal(
                load("db-extra.socket",
                     "[Socket]\nService=db.service\nFileDescriptorName=extra\nListenDatagram=/run/d\n"
                     "ListenSequentialPacket=@seq\nBindIPv6Only=ipv6-only\nBacklog=8\nKeepAlive=yes\n"
                     "RemoveOnStop=true\nPassCredentials=yes\nSocketGroup=adm\nDirectoryMode=0750\n"
                     "SocketMode=\nReceiveBuffer=64K\n",
                     &u, &err),
                0);
        assert_string_equal(u->socket.service, "db");
        assert_string_equal(u->socket.fdname, "extra");
        assert_int_equal(u->listen[0].type, SOCK_DGRAM);
        assert_int_equal(u->listen[1].type, SOCK_SEQPACKET);
        assert_int_equal(u->socket.bind_ipv6_only, BIND_IPV6_ONLY);
        assert_int_equal(u->socket.backlog, 8);
        assert_true(u->socket.keep_alive && u->socket.remove_on_stop && u->socket.pass_credentials);
        assert_string_equal(u->socket.group, "adm");
        assert_int_equal(u->socket.directory_mode, 0750);
        assert_int_equal(u->socket.mode, 0666); /* the empty assignment: the default */
        assert_int_equal(u->socket.receive_buffer, 64 * 1024);
}

/* Accept=yes pairs with the template NAME@.service; a template socket names its instance. */
static void test_sockets__accept_and_instances(void **state _unused_) {
        _cleanup_(unit_freep) struct unit *u = NULL, *v = NULL;
        _cleanup_free_ char *err = NULL;
        assert_int_equal(load("proftpd.socket", "[Socket]\nListenStream=21\nAccept=true\nMaxConnections=2\n",
                              &u, &err),
                         0);
        assert_true(u->accept);
        assert_int_equal(u->max_connections, 2);
        assert_string_equal(u->socket.service, "proftpd@");
        assert_int_equal(load("mariadb-extra@a.socket",
                              "[Socket]\nService=mariadb@%i.service\nListenStream=@mariadb-extra-%I\n", &v,
                              &err),
                         0);
        assert_string_equal(v->socket.service, "mariadb@a");
        assert_string_equal(v->listen[0].address, "@mariadb-extra-a");
        assert_string_equal(v->socket.fdname, "mariadb-extra@a.socket");
}

static void test_sockets__refusals(void **state _unused_) {
        expect_refused("a.socket", "[Socket]\nAccept=no\n", "/u/a.socket: a socket needs ListenStream=");
        expect_refused("a.socket", "[Socket]\nListenStream=80\nSocketMode=rw\n",
                       "/u/a.socket:3: SocketMode=rw");
        expect_refused("a.socket", "[Socket]\nListenStream=80\nBindIPv6Only=maybe\n",
                       "/u/a.socket:3: BindIPv6Only=maybe: expected default, both or ipv6-only");
        expect_refused("a.socket", "[Socket]\nListenStream=80\nService=a.timer\n",
                       "Service=a.timer is a timer unit");
        expect_refused("a.socket", "[Socket]\nListenStream=80\nFileDescriptorName=a:b\n",
                       "/u/a.socket:3: FileDescriptorName=a:b");
        expect_refused("a.socket", "[Socket]\nListenDatagram=/run/a\nAccept=yes\n",
                       "Accept=yes needs connections");
        expect_refused("a.socket", "[Socket]\nListenStream=80\nAccept=yes\nService=b\n",
                       "Service= does not fit Accept=yes");
        expect_refused("a.socket", "[Socket]\nListenFIFO=/run/f\nListenStream=80\n",
                       "/u/a.socket:2: ListenFIFO= is not supported");
        expect_refused("a.socket", "[Service]\nExecStart=/bin/true\n",
                       "[Service] does not belong in a socket");
        expect_refused("a", "[Service]\nExecStart=/bin/true\n[Socket]\nListenStream=80\n",
                       "/u/a:3: [Socket] belongs in a socket file of its own");
        expect_refused("a.socket", "[Socket]\nListenStream=80\nListenStrem=81\n",
                       "/u/a.socket:3: unknown key ListenStrem= in [Socket]; did you mean ListenStream=?");
}

/* [Unit] dependencies svcd does not apply to a socket warn, naming the key; Conflicts=, PartOf=
 * and Before= (cups, proftpd, ssh) load silently, as svcd applies them. */
static void test_sockets__dependencies_of_a_socket(void **state _unused_) {
        _cleanup_(unit_freep) struct unit *u = NULL;
        struct unit_diag d = { 0 };
        assert_int_equal(
                unit_load_string("[Unit]\nAfter=db.service\nConflicts=proftpd.service\nPartOf=cups.service\n"
                                 "Before=sockets.target\n[Socket]\nListenStream=80\n",
                                 "x.socket", "x.socket", NULL, &u, &d),
                0);
        assert_int_equal(d.n, 1);
        assert_true(d.items[0].warning);
        assert_non_null(strstr(d.items[0].message, "After=db is ignored in a socket"));
        assert_string_equal(u->conflicts[0], "proftpd");
        assert_string_equal(u->part_of[0], "cups");
        unit_diag_clear(&d);
}

static void test_sockets__unhonoured_keys_warn(void **state _unused_) {
        _cleanup_(unit_freep) struct unit *u = NULL;
        struct unit_diag d = { 0 };
        assert_int_equal(unit_load_string("[Socket]\nListenStream=80\nIPTOS=low-delay\n", "x.socket",
                                          "x.socket", NULL, &u, &d),
                         0);
        assert_int_equal(d.n, 1);
        assert_true(d.items[0].warning);
        assert_non_null(strstr(d.items[0].message, "IPTOS= is ignored: svc leaves this socket option"));
        unit_diag_clear(&d);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sockets__mariadb_loads_as_shipped),
                cmocka_unit_test(test_sockets__options_and_kinds),
                cmocka_unit_test(test_sockets__accept_and_instances),
                cmocka_unit_test(test_sockets__refusals),
                cmocka_unit_test(test_sockets__dependencies_of_a_socket),
                cmocka_unit_test(test_sockets__unhonoured_keys_warn),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
