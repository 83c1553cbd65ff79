<?php
/*
 * php-cli tests of the FFI binding (bindings/php/src/Consent.php) and of
 * the WordPress plugin's filter, endpoint and settings logic, against the
 * real library.  WordPress itself is not needed: the few WordPress
 * functions the plugin calls are stood in for below.  Prints TAP.
 *
 *   CONSENT_LIBRARY=... php tests/php/test.php KEY_FILE TMP_DIR
 */
declare(strict_types=1);

$n = 0;
$failed = 0;
function ok(bool $cond, string $what, string $diag = ''): void
{
    global $n, $failed;
    $n++;
    echo ($cond ? 'ok' : 'not ok') . " $n - php: $what\n";
    if (!$cond) {
        $failed++;
        if ($diag !== '') {
            echo '# ' . str_replace("\n", "\n# ", $diag) . "\n";
        }
    }
}

[$self, $keyFile, $tmp] = $argv;
$top = dirname(__DIR__, 2);
require $top . '/bindings/php/src/Consent.php';

const YT = '<iframe src="https://www.youtube.com/embed/abc" width="560" height="315"></iframe>';
const VIMEO = '<iframe src="https://player.vimeo.com/video/1"></iframe>';
$page = '<p>Hello</p>' . YT . '<p>and</p>' . VIMEO;

// ---------------------------------------------------------------- FFI class
$gate = new Consent\Gate(['privacy_url' => '/privacy', 'endpoint' => '/consent']);
$out = $gate->rewrite($page);
ok(str_contains($out, 'data-consent-provider="youtube"') && !str_contains($out, YT)
   && !str_contains($out, VIMEO), 'Gate::rewrite gates YouTube and Vimeo');
ok(str_starts_with($out, '<p>Hello</p>'), 'bytes before the embed are kept');
$g2 = (new Consent\Gate(['guard' => true]))->rewrite('<html><head><title>t</title></head>' . $page);
ok(str_starts_with($g2, '<html><head><script data-consent-guard="') && str_contains($g2, '&quot;youtube&quot;:&quot;'),
   "Gate(['guard' => true]): the runtime guard first in <head>");
ok($gate->rewrite('<p>caf&eacute;</p>') === '<p>caf&eacute;</p>', 'a page without embeds is identical');
ok(str_contains($gate->rewrite($page, null, 'de-AT,de;q=0.9'), 'externer Inhalt'),
   'Accept-Language picks German');
ok($gate->negotiateLanguage('nl;q=0.5, it') === 'it', 'negotiateLanguage');
ok(str_contains($gate->rewrite($page, null, null, '/blog/?p=1'), 'value="/blog/?p=1"'),
   'the return path reaches the form');
$big = str_repeat('<p>' . str_repeat('x', 100) . '</p>', 20000) . YT;
ok(substr_count($gate->rewrite($big), 'data-consent-provider') === 1, 'a 2 MB page');
$g2 = new Consent\Gate(['allow' => ['vimeo'], 'script' => 'url', 'script_url' => '/c.js']);
$o2 = $g2->rewrite($page);
ok(str_contains($o2, VIMEO) && !str_contains($o2, YT) && str_contains($o2, '/c.js'),
   'allow and script url options');
try {
    new Consent\Gate(['allow' => ['nope']]);
    ok(false, 'an unknown provider in allow is refused');
} catch (Consent\ConsentException $e) {
    ok($e->status === 9, 'an unknown provider in allow is refused: ' . $e->getMessage());
}
file_put_contents("$tmp/bad.conf", "[x]\nname = X\nnonsense\n");
try {
    new Consent\Registry("$tmp/bad.conf");
    ok(false, 'a broken provider file is refused');
} catch (Consent\ConsentException $e) {
    ok($e->status === 8 && str_contains($e->getMessage(), 'bad.conf:'),
       'a broken provider file is refused: ' . $e->getMessage());
}
file_put_contents("$tmp/bad.keys", "nonsense\n");
try {
    new Consent\KeyRing("$tmp/bad.keys");
    ok(false, 'a broken key file is refused');
} catch (Consent\ConsentException $e) {
    ok(str_contains($e->getMessage(), 'bad.keys:1'), 'a broken key file is refused: ' . $e->getMessage());
}
ok((new Consent\Registry())->count() > 40, 'Registry::count');

$registry = new Consent\Registry();
$site = new Consent\Site($registry, new Consent\KeyRing($keyFile), ['secure' => false]);
$form = ['Host' => 'example.org', 'Origin' => 'https://example.org',
         'Content-Type' => 'application/x-www-form-urlencoded'];
$r = $site->request($form, true)->endpoint('POST', '', 'provider=youtube&return=/post/1&always=1');
$cookie = null;
foreach ($r['headers'] as [$k, $v]) {
    if ($k === 'Set-Cookie' && str_starts_with($v, 'consent=')) {
        $cookie = explode(';', $v)[0];
    }
}
ok($r['status'] === 303 && $cookie !== null && $r['receipt']['allowed'] === ['youtube'],
   'Request::endpoint grants with a cookie and a receipt');
$req = $site->request(['Cookie' => "x=1; $cookie"], true);
ok($req->allows('youtube') && !$req->allows('vimeo') && $req->cookieStatus === 0,
   'Request::state reads the cookie');
$o3 = $gate->rewrite($page, $req->state());
ok(str_contains($o3, YT) && !str_contains($o3, VIMEO), 'the state lets YouTube through');
$bad = $site->request(['Host' => 'example.org', 'Origin' => 'https://evil.test',
                       'Content-Type' => 'application/x-www-form-urlencoded'], true)
            ->endpoint('POST', '', 'provider=youtube');
ok($bad['status'] === 403 && $bad['receipt'] === null, 'cross-site POST refused: ' . $bad['reason']);
$proxied = new Consent\Site($registry, new Consent\KeyRing($keyFile),
                            ['secure' => false, 'trusted_proxies' => '10.0.0.0/8']);
$fwd = ['Host' => 'backend:8080', 'Origin' => 'https://www.example.org',
        'X-Forwarded-Proto' => 'https', 'X-Forwarded-Host' => 'www.example.org',
        'Content-Type' => 'application/x-www-form-urlencoded'];
ok($proxied->request($fwd, false, '10.1.2.3')->endpoint('POST', '', 'provider=youtube')['status'] === 303,
   'trusted_proxies: a click forwarded by 10.1.2.3 consents');
ok($proxied->request($fwd, false, '192.0.2.9')->endpoint('POST', '', 'provider=youtube')['status'] === 403,
   'trusted_proxies: the same headers from 192.0.2.9 are not believed');

$gpcSite = new Consent\Site($registry, new Consent\KeyRing($keyFile),
                            ['secure' => false, 'sources' => 'cookie klaro gpc',
                             'gpc_categories' => 'video']);
$kl = 'klaro=' . rawurlencode('{"youtube":true}');
ok($gpcSite->request(['Cookie' => $kl], false)->allows('youtube'), 'sources: a Klaro cookie allows YouTube');
ok(!$gpcSite->request(['Cookie' => $kl, 'Sec-GPC' => '1'], false)->allows('youtube'),
   'sources: Sec-GPC refuses YouTube (category video)');
try {
    new Consent\Site($registry, new Consent\KeyRing($keyFile), ['sources' => 'cookie nonsense']);
    ok(false, 'an unknown source is refused');
} catch (Consent\ConsentException $e) {
    ok($e->status === 8, 'an unknown source is refused: ' . $e->getMessage());
}

// ------------------------------------------------------- WordPress plugin
define('ABSPATH', $tmp . '/');
$GLOBALS['wp_filters'] = [];
$GLOBALS['wp_actions'] = [];
$GLOBALS['wp_options'] = [];
$GLOBALS['wp_settings_errors'] = [];
function add_filter(string $hook, $cb, int $prio = 10): void { $GLOBALS['wp_filters'][$hook][] = $cb; }
function add_action(string $hook, $cb, int $prio = 10): void { $GLOBALS['wp_actions'][$hook][] = $cb; }
function apply_filters(string $hook, $value) {
    foreach ($GLOBALS['wp_filters'][$hook] ?? [] as $cb) { $value = $cb($value); }
    return $value;
}
function get_option(string $name, $default = false) { return $GLOBALS['wp_options'][$name] ?? $default; }
function admin_url(string $path = ''): string { return '/wp-admin/' . $path; }
function is_ssl(): bool { return false; }
function is_admin(): bool { return false; }
function get_privacy_policy_url(): string { return '/privacy-policy/'; }
function add_settings_error(string $setting, string $code, string $message): void {
    $GLOBALS['wp_settings_errors'][] = "$code: $message";
}
function esc_url_raw(string $url): string { return $url; }
function esc_attr(string $s): string { return htmlspecialchars($s, ENT_QUOTES); }
function esc_html(string $s): string { return htmlspecialchars($s, ENT_QUOTES); }
function esc_url(string $s): string { return htmlspecialchars($s, ENT_QUOTES); }
function register_activation_hook(string $file, $cb): void { $GLOBALS['wp_activate'] = $cb; }
function is_feed(): bool { return !empty($GLOBALS['wp_is_feed']); }
function get_permalink(): string { return '/2026/11/29/hello/'; }
function get_locale(): string { return $GLOBALS['wp_locale'] ?? 'en_US'; }
function wp_kses_allowed_html(string $context): array {
    return ['p' => ['class' => true, 'style' => true], 'a' => ['href' => true, 'ping' => true],
            'img' => ['src' => true], 'iframe' => ['src' => true], 'div' => ['class' => true, 'style' => true]];
}
function wp_kses(string $html, array $allowed): string {
    /* A stand-in: drops the tags that are not allowed and the attributes
     * not listed (WordPress's own does it by a real parse). */
    return (string)preg_replace_callback('~<(/?)([a-z][a-z0-9]*)\b([^>]*)>~i', function ($m) use ($allowed) {
        $t = strtolower($m[2]);
        if (!isset($allowed[$t])) {
            return '';
        }
        $attrs = '';
        preg_match_all('~([a-z-]+)="([^"]*)"~i', $m[3], $am, PREG_SET_ORDER);
        foreach ($am as [, $n, $v]) {
            if (!empty($allowed[$t][strtolower($n)])) {
                $attrs .= " $n=\"$v\"";
            }
        }
        return "<$m[1]$t$attrs>";
    }, $html);
}

function wp_upload_dir($time = null, bool $create = true): array {
    return ['basedir' => $GLOBALS['tmp'] . '/uploads', 'baseurl' => 'http://example.org/wp-content/uploads'];
}
function wp_mkdir_p(string $dir): bool { return is_dir($dir) || mkdir($dir, 0755, true); }
function get_the_ID(): int { return $GLOBALS['wp_post_id'] ?? 7; }
function wp_doing_cron(): bool { return false; }
function update_option(string $name, $value, $autoload = null): bool { $GLOBALS['wp_options'][$name] = $value; return true; }
function delete_option(string $name): bool { unset($GLOBALS['wp_options'][$name]); return true; }
function wp_next_scheduled(string $hook) { return $GLOBALS['wp_cron'][$hook] ?? false; }
function wp_schedule_single_event(int $t, string $hook): bool { $GLOBALS['wp_cron'][$hook] = $t; return true; }
function wp_tempnam(string $name = ''): string { return tempnam($GLOBALS['tmp'], $name); }
function esc_textarea(string $s): string { return htmlspecialchars($s, ENT_QUOTES); }

require $top . '/bindings/php/wordpress/libconsent/libconsent.php';

ok(isset($GLOBALS['wp_filters']['the_content'], $GLOBALS['wp_filters']['embed_oembed_html'],
         $GLOBALS['wp_filters']['widget_block_content'], $GLOBALS['wp_filters']['widget_text_content'],
         $GLOBALS['wp_actions']['admin_post_nopriv_libconsent'], $GLOBALS['wp_actions']['send_headers']),
   'the plugin hooks the_content, widgets, oEmbed output, admin-post and send_headers');

$GLOBALS['wp_options']['libconsent_options'] = ['key_file' => $keyFile];
$_SERVER['REQUEST_URI'] = '/2026/11/29/hello/';
$_SERVER['HTTP_HOST'] = 'example.org';
$post = apply_filters('the_content', $page);
ok(str_contains($post, 'data-consent-provider="youtube"') && !str_contains($post, YT),
   'the_content: embeds become placeholders');
ok(str_contains($post, 'action="/wp-admin/admin-post.php?action=libconsent"')
   && str_contains($post, 'value="/2026/11/29/hello/"'),
   'placeholders post to admin-post.php and come back to the post');
ok(str_contains($post, 'href="/privacy-policy/"'), 'the WordPress privacy page is linked');
$embed = apply_filters('embed_oembed_html', '<blockquote class="twitter-tweet"><a href="https://twitter.com/a/status/1">x</a></blockquote><script async src="https://platform.twitter.com/widgets.js"></script>');
ok(str_contains($embed, 'data-consent-provider="x"') && !str_contains($embed, '<script async src="https://platform'),
   'oEmbed output (a tweet) is gated');
$widget = apply_filters('widget_block_content', '<iframe src="https://www.google.com/maps/embed?pb=1"></iframe>');
ok(str_contains($widget, 'data-consent-provider="google-maps"'), 'a block widget (Google Maps) is gated');

// Every box id is unique on the page, across fragments.
$ids = [];
preg_match_all('~ id="(consent-embed-\d+)"~', $post . $embed . $widget, $m);
ok(count($m[1]) >= 4 && count(array_unique($m[1])) === count($m[1]),
   'box ids are unique across the page\'s fragments (' . implode(' ', $m[1]) . ')');
ok(!str_contains($post, '<script') && !str_contains($post, '<style'),
   'no script or style in the content: they are enqueued once per page');
// Feeds: a link to the post instead of each embed.
$GLOBALS['wp_is_feed'] = true;
$feed = apply_filters('the_content', $page);
unset($GLOBALS['wp_is_feed']);
ok(!str_contains($feed, '<iframe') && !str_contains($feed, 'data-consent')
   && substr_count($feed, 'href="/2026/11/29/hello/"') === 2 && str_contains($feed, '<p>and</p>'),
   'in a feed: each embed is a link to the post, no placeholder');
// Failing closed: what the library cannot gate is never shown.
$blocked = libconsent_fail_closed('<p style="background:url(https://i.ytimg.com/x.jpg)">Text</p>' . YT
    . '<script src="https://platform.twitter.com/widgets.js"></script><img src="https://i.imgur.com/x.png">'
    . '<blockquote class="twitter-tweet"><a href="https://twitter.com/a/status/1">x</a></blockquote><p>end</p>');
ok(!preg_match('~<(iframe|script|img|blockquote)|src=|url\(~i', $blocked) && str_contains($blocked, 'Text')
   && str_contains($blocked, '<p>end</p>') && substr_count($blocked, 'libconsent-blocked') === 1,
   'without the library: embeds become a "content blocked" box, nothing that loads is left');
// Activation: a key ring of the plugin's own, so forms and "always" work at once.
function add_option(string $name, $value, $unused = '', $autoload = 'yes'): bool {
    $GLOBALS['wp_options'][$name] = $value;
    return true;
}
function set_transient(string $name, $value, int $ttl = 0): bool { $GLOBALS['wp_transients'][$name] = $value; return true; }
$GLOBALS['wp_options']['libconsent_options'] = [];
$GLOBALS['wp_activate']();
$rt = libconsent_runtime(true);
ok(preg_match('~^1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ [A-Za-z0-9_-]{43}\n$~',
              $GLOBALS['wp_options']['libconsent_keyring'] ?? '') === 1 && $rt['site'] !== null
   && empty($GLOBALS['wp_transients']),
   'activation makes a key ring (kept in the database) and the site can sign cookies at once');
$GLOBALS['wp_locale'] = 'de_DE';
$rt = libconsent_runtime(true);
ok(str_contains(apply_filters('the_content', $page), 'Inhalt laden'),
   'the site\'s language (de_DE) for placeholders, whatever the browser says');
unset($GLOBALS['wp_locale']);
// Settings: a provider switched off is never gated.
$all = (new Consent\Registry())->providers();
ok(isset($all['youtube'], $all['vimeo']) && $all['youtube'][0] === 'YouTube' && $all['vimeo'][1] === 'video',
   'Registry::providers lists ids with name and category');
$new = libconsent_sanitize_options(['providers_shown' => implode(' ', array_keys($all)),
                                    'enabled' => array_values(array_diff(array_keys($all), ['vimeo']))]);
ok($new['disabled'] === ['vimeo'], 'the settings page: an unticked provider is saved as switched off');
$GLOBALS['wp_options']['libconsent_options'] = ['key_file' => $keyFile, 'disabled' => ['vimeo']];
libconsent_runtime(true);
$post3 = apply_filters('the_content', $page);
ok(str_contains($post3, VIMEO) && str_contains($post3, 'data-consent-provider="youtube"'),
   'a provider switched off passes ungated, the others stay gated');
$GLOBALS['wp_options']['libconsent_options'] = ['key_file' => $keyFile];
libconsent_runtime(true);

// The endpoint through admin-post.php.
$server = ['REQUEST_METHOD' => 'POST', 'HTTP_HOST' => 'example.org',
           'HTTP_ORIGIN' => 'http://example.org', 'HTTP_SEC_FETCH_SITE' => 'same-origin',
           'CONTENT_TYPE' => 'application/x-www-form-urlencoded'];
$resp = libconsent_endpoint_response($server, 'action=libconsent',
                                     'provider=youtube&return=%2F2026%2F11%2F29%2Fhello%2F');
$wpCookie = null;
foreach ($resp['headers'] as [$k, $v]) {
    if ($k === 'Set-Cookie' && str_starts_with($v, 'consent=')) {
        $wpCookie = explode(';', $v)[0];
    }
}
$loc = array_values(array_filter($resp['headers'], fn($h) => $h[0] === 'Location'))[0][1] ?? '';
ok($resp['status'] === 303 && $loc === '/2026/11/29/hello/' && $wpCookie !== null,
   "endpoint: 303 back to the post with a cookie ($loc)");
$_SERVER['HTTP_COOKIE'] = $wpCookie;
$post2 = apply_filters('the_content', $page);
ok(str_contains($post2, YT) && !str_contains($post2, VIMEO),
   'with the cookie: YouTube passes, Vimeo stays gated');
unset($_SERVER['HTTP_COOKIE']);
$cross = libconsent_endpoint_response(array_merge($server, ['HTTP_ORIGIN' => 'https://evil.test',
                                                            'HTTP_SEC_FETCH_SITE' => 'cross-site']),
                                      'action=libconsent', 'provider=youtube');
ok($cross['status'] === 403, 'endpoint: cross-site refused');
$open = libconsent_endpoint_response($server, 'action=libconsent', 'provider=youtube&return=https://evil.test/');
ok($open['status'] === 400, 'endpoint: absolute return path refused');
$rv = libconsent_endpoint_response(array_merge($server, ['REQUEST_METHOD' => 'GET']),
                                   'action=libconsent&revoke&return=/', '');
ok($rv['status'] === 303 && $rv['receipt']['action'] === 'revoke', 'endpoint: GET revoke');
// The settings page through admin-post.php: its save comes back to it.
$sp = libconsent_endpoint_response(array_merge($server, ['REQUEST_METHOD' => 'GET',
                                                         'HTTP_ACCEPT_LANGUAGE' => 'fr']),
                                   'action=libconsent&return=%2F2026%2F', '');
ok($sp['status'] === 200 && str_contains($sp['body'], "Param\u{e8}tres de confidentialit\u{e9}")
   && str_contains($sp['body'], 'name="provider" value="youtube"'),
   'endpoint: GET shows the settings page (in the visitor\'s language)');
$sv = libconsent_endpoint_response(array_merge($server, ['HTTP_COOKIE' => $wpCookie]),
                                   'action=libconsent&return=%2F2026%2F',
                                   'settings=1&return=%2F2026%2F&provider=vimeo');
$loc = array_values(array_filter($sv['headers'], fn($h) => $h[0] === 'Location'))[0][1] ?? '';
ok($sv['status'] === 303 && $loc === '?action=libconsent&saved=1&return=/2026/',
   "endpoint: a save goes back to the settings page through admin-post.php ($loc)");

// Settings: what does not work keeps the old value, with a message.
$GLOBALS['wp_settings_errors'] = [];
$new = libconsent_sanitize_options(['providers' => "$tmp/bad.conf", 'key_file' => "$tmp/missing.keys",
                                    'language' => 'xx', 'policy_version' => '-3',
                                    'privacy_url' => '/p/']);
ok($new['providers'] === '' && $new['key_file'] === $keyFile && $new['language'] === ''
   && $new['policy_version'] === 0 && $new['privacy_url'] === '/p/' && count($GLOBALS['wp_settings_errors']) === 4,
   'settings: a broken provider file, missing key file, unknown language and bad version are refused',
   implode("\n", $GLOBALS['wp_settings_errors']));
$new = libconsent_sanitize_options(['providers' => '', 'key_file' => $keyFile, 'language' => 'fr',
                                    'policy_version' => '2', 'privacy_url' => '']);
ok($new['language'] === 'fr' && $new['policy_version'] === 2, 'settings: good values are kept');
$GLOBALS['wp_options']['libconsent_options'] = $new;
libconsent_runtime(true);
ok(str_contains(apply_filters('the_content', $page), 'Contenu externe')
   || str_contains(apply_filters('the_content', $page), 'contenu externe'),
   'the language setting applies');
// A cookie under the old policy version no longer counts.
$_SERVER['HTTP_COOKIE'] = $wpCookie;
ok(!str_contains(apply_filters('the_content', $page), YT), 'a new policy version voids earlier consent');
unset($_SERVER['HTTP_COOKIE']);

// Texts and per-provider settings from the settings page.
$GLOBALS['wp_settings_errors'] = [];
$new = libconsent_sanitize_options(['texts' => "[en]\ntitle = Our own title for {provider}\n",
                                    'provider_text' => "[youtube]\nname = YouTube (our channel)\n"]);
$GLOBALS['wp_options']['libconsent_options'] = $new;
libconsent_runtime(true);
$post4 = apply_filters('the_content', $page);
ok($GLOBALS['wp_settings_errors'] === [] && str_contains($post4, 'YouTube (our channel)')
   && str_contains($post4, 'Our own title'),
   'settings: texts and a provider\'s name from the settings page show in the placeholders',
   implode("\n", $GLOBALS['wp_settings_errors']) . substr($post4, 0, 600));
$new = libconsent_sanitize_options(['texts' => "[en]\nno equals sign here\n",
                                    'provider_text' => "[youtube]\ncategory = nonsense\n"]);
ok($new['texts'] === "[en]\ntitle = Our own title for {provider}\n"
   && $new['provider_text'] === "[youtube]\nname = YouTube (our channel)\n"
   && count($GLOBALS['wp_settings_errors']) === 2 && str_contains($GLOBALS['wp_settings_errors'][1], 'line 2'),
   'settings: broken texts or provider text keep the old value, with the line',
   implode("\n", $GLOBALS['wp_settings_errors']));
// Previews: misses are noted and fetched by WP-Cron, never on the request.
$GLOBALS['wp_options']['libconsent_options'] = ['key_file' => $keyFile];
$rt = libconsent_runtime(true);
$GLOBALS['wp_post_id'] = 42;
apply_filters('the_content', $page);
libconsent_schedule_previews();
ok($rt['previews'] !== null && $rt['previews']->pending() > 0
   && in_array(42, $GLOBALS['wp_options']['libconsent_preview_posts'] ?? [], true)
   && isset($GLOBALS['wp_cron']['libconsent_fetch_previews']) && is_dir("$tmp/uploads/libconsent-previews"),
   'previews: a page\'s misses note its post and schedule the fetch (WP-Cron)',
   json_encode([$rt['previews']?->pending(), $GLOBALS['wp_options']['libconsent_preview_posts'] ?? null, $GLOBALS['wp_cron'] ?? null]));
$GLOBALS['wp_options']['libconsent_options'] = ['key_file' => $keyFile, 'previews' => false];
ok(libconsent_runtime(true)['previews'] === null, 'previews: off in the settings, no cache');

// Broken files at run time: the built-in defaults still gate.
$GLOBALS['wp_options']['libconsent_options'] = ['providers' => "$tmp/bad.conf"];
libconsent_runtime(true);
ok(str_contains(apply_filters('the_content', $page), 'data-consent-provider="youtube"'),
   'a broken provider file at run time: the defaults still gate');

echo "1..$n\n";
exit($failed ? 1 : 0);
