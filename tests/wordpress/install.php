<?php
/*
 * install.php BASE_URL LIBRARY: installs WordPress non-interactively (as
 * its installer does), switches to the test theme, activates the plugin
 * with its defaults and creates the posts; prints "post NAME URL" lines.
 */
[, $base, $lib] = $argv;
putenv("CONSENT_LIBRARY=$lib");
$u = parse_url($base);
$_SERVER['HTTP_HOST'] = $u['host'] . ':' . $u['port'];
$_SERVER['SERVER_NAME'] = $u['host'];
$_SERVER['SERVER_PORT'] = (string)$u['port'];
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['WORDPRESS_CONFIG'] = 'libconsenttest';
define('WP_INSTALLING', true);
require '/usr/share/wordpress/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';

$r = wp_install('libconsent test', 'admin', 'admin@example.org', true, '', 'admin-test-password-1');
if (empty($r['user_id'])) {
    fwrite(STDERR, "wp_install failed\n");
    exit(1);
}
switch_theme('libconsent-test');
$res = activate_plugin('libconsent/libconsent.php');
if (is_wp_error($res)) {
    fwrite(STDERR, 'activate_plugin: ' . $res->get_error_message() . "\n");
    exit(1);
}
if (!is_plugin_active('libconsent/libconsent.php')) {
    fwrite(STDERR, "the plugin is not active\n");
    exit(1);
}
$posts = [
    'iframe' => ['A video in custom HTML',
        "<!-- wp:paragraph -->\n<p>Before the video.</p>\n<!-- /wp:paragraph -->\n\n"
        . "<!-- wp:html -->\n<iframe width=\"560\" height=\"315\" src=\"https://www.youtube.com/embed/M7lc1UVf-VE\" "
        . "title=\"YouTube video player\" allowfullscreen></iframe>\n<!-- /wp:html -->\n\n"
        . "<!-- wp:html -->\n<iframe src=\"https://player.vimeo.com/video/76979871\" width=\"640\" height=\"360\"></iframe>\n<!-- /wp:html -->\n\n"
        . "<!-- wp:paragraph -->\n<p>After the videos &amp; more.</p>\n<!-- /wp:paragraph -->"],
    'oembed' => ['A video by its URL',
        "<!-- wp:embed {\"url\":\"https://www.youtube.com/watch?v=M7lc1UVf-VE\",\"type\":\"video\","
        . "\"providerNameSlug\":\"youtube\",\"responsive\":true,\"className\":\"wp-embed-aspect-16-9 wp-has-aspect-ratio\"} -->\n"
        . "<figure class=\"wp-block-embed is-type-video is-provider-youtube wp-block-embed-youtube wp-embed-aspect-16-9 "
        . "wp-has-aspect-ratio\"><div class=\"wp-block-embed__wrapper\">\nhttps://www.youtube.com/watch?v=M7lc1UVf-VE\n"
        . "</div></figure>\n<!-- /wp:embed -->"],
];
if (getenv('PREVIEW_PROVIDER')) {
    /* A video provider stood in for over HTTPS on loopback (the test's
     * provider text, as a site owner types it into Settings -> Consent),
     * with previews on: the site's config blocks outgoing HTTP, which
     * turns them off by default. */
    update_option('libconsent_options', array_merge((array)get_option('libconsent_options', []),
        ['provider_text' => getenv('PREVIEW_PROVIDER'), 'previews' => true]));
    $posts['preview'] = ['A video with a preview',
        "<!-- wp:html -->\n<iframe src=\"https://www.video.test/embed/ok-1\" width=\"480\" height=\"270\"></iframe>\n<!-- /wp:html -->"];
}
// As the site's administrator writes them (unfiltered_html: an iframe in
// custom HTML stays).
wp_set_current_user($r['user_id']);
foreach ($posts as $name => [$title, $content]) {
    $id = wp_insert_post(['post_title' => $title, 'post_content' => $content,
                          'post_status' => 'publish', 'post_author' => $r['user_id']], true);
    if (is_wp_error($id)) {
        fwrite(STDERR, $id->get_error_message() . "\n");
        exit(1);
    }
    echo "post $name " . get_permalink($id) . "\n";
}
echo "feed " . get_feed_link() . "\n";
echo "home " . home_url('/') . "\n";
