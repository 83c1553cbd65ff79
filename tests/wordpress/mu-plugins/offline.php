<?php
/*
 * The test's WordPress has no network and asks for none: no update checks
 * (they run on admin_init, which admin-post.php fires), and every outgoing
 * HTTP request is blocked (WP_HTTP_BLOCK_EXTERNAL in the site's config).
 */
add_action('init', function () {
    foreach (['_maybe_update_core', '_maybe_update_plugins', '_maybe_update_themes'] as $f) {
        remove_action('admin_init', $f);
    }
    remove_action('init', 'wp_schedule_update_checks');
}, 0);
