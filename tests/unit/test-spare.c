/* SPDX-License-Identifier: MIT */
/* sandbox/spare.c: which spare a start may join, and what a spare holds (as root: it makes real
 * namespaces, and checks who owns them). */
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/macro.h"
#include "sandbox/sandbox.h"

/* Stand-ins for open namespaces: sandbox_spare_fits() only looks at which are there. */
static struct sandbox_spare spare(bool users, bool net, uint32_t base) {
        struct sandbox_spare sp = SANDBOX_SPARE_NULL;
        sp.utsns = 100;
        sp.ipcns = 101;
        sp.netns = net ? 102 : -EBADF;
        if (users) {
                sp.userns = 103;
                sp.uid = sp.gid = (struct sandbox_idmap){ .n = 1, .e = { { 0, base, 65536 } } };
        }
        return sp;
}

static struct sandbox_users users_at(uint32_t base) {
        struct sandbox_users u = { .idmap_fd = -EBADF };
        u.uid = u.gid = (struct sandbox_idmap){ .n = 1, .e = { { 0, base, 65536 } } };
        return u;
}

static void test_spare__fits_only_the_same_maps_and_network(void **state _unused_) {
        struct sandbox_users a = users_at(0x10000000), b = users_at(0x10010000);
        struct sandbox_spec spec = { .private_network = true, .users = &a };
        struct sandbox_spare sp = spare(true, true, 0x10000000);
        assert_true(sandbox_spare_fits(&sp, &spec));
        spec.users = &b; /* another range: its files would get other owners */
        assert_false(sandbox_spare_fits(&sp, &spec));
        spec.users = NULL; /* the host's uids: joining a user namespace would change them */
        assert_false(sandbox_spare_fits(&sp, &spec));
        spec.users = &a;
        spec.private_network = false; /* the host's network: a spare's would isolate it */
        assert_false(sandbox_spare_fits(&sp, &spec));
        sp = spare(false, true, 0);
        spec = (struct sandbox_spec){ .private_network = true };
        assert_true(sandbox_spare_fits(&sp, &spec));
        spec.private_network = false;
        assert_false(sandbox_spare_fits(&sp, &spec));
}

static void test_spare__none_or_closed_never_fits(void **state _unused_) {
        struct sandbox_spec spec = { .private_network = true };
        assert_false(sandbox_spare_fits(NULL, &spec));
        struct sandbox_spare sp = SANDBOX_SPARE_NULL;
        assert_false(sandbox_spare_fits(&sp, &spec));
        spec.private_network = false;
        assert_false(sandbox_spare_fits(&sp, &spec));
}

static ino_t inode(int fd) {
        struct stat st;
        assert_int_equal(fstat(fd, &st), 0);
        return st.st_ino;
}

/* The namespaces are of the right kinds and the network namespace belongs to the spare's user
 * namespace: root in the service has its capabilities there, as after clone(CLONE_NEWUSER). */
static void test_spare__made_namespaces_are_owned_by_its_user_namespace(void **state _unused_) {
        struct sandbox_users u = users_at(0x10000000);
        struct sandbox_spare sp = SANDBOX_SPARE_NULL;
        assert_int_equal(sandbox_spare_make(&u, true, &sp), 0);
        assert_int_equal(ioctl(sp.userns, NS_GET_NSTYPE), CLONE_NEWUSER);
        assert_int_equal(ioctl(sp.netns, NS_GET_NSTYPE), CLONE_NEWNET);
        assert_int_equal(ioctl(sp.utsns, NS_GET_NSTYPE), CLONE_NEWUTS);
        assert_int_equal(ioctl(sp.ipcns, NS_GET_NSTYPE), CLONE_NEWIPC);
        int owner = ioctl(sp.netns, NS_GET_USERNS);
        assert_true(owner >= 0);
        assert_int_equal(inode(owner), inode(sp.userns));
        close(owner);
        assert_int_equal(sp.uid.e[0].outside, 0x10000000);
        struct sandbox_spec spec = { .private_network = true, .users = &u };
        assert_true(sandbox_spare_fits(&sp, &spec));
        sandbox_spare_done(&sp);
        assert_int_equal(sp.userns, -EBADF);
        assert_int_equal(sp.netns, -EBADF);
        assert_false(sandbox_spare_fits(&sp, &spec));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_spare__fits_only_the_same_maps_and_network),
                cmocka_unit_test(test_spare__none_or_closed_never_fits),
                cmocka_unit_test(test_spare__made_namespaces_are_owned_by_its_user_namespace),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
