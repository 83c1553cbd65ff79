<?php
/*
 * Plugin Name:       libconsent
 * Description:       Two-click consent for embeds: YouTube, Vimeo, X, Instagram, maps, podcasts and more stay out of your pages until the visitor allows them. Works with and without JavaScript.
 * Version:           0.2.0
 * Requires PHP:      8.2
 * License:           see the libconsent source
 *
 * Gates the_content, text and block widgets and oEmbed output with
 * libconsent (through PHP FFI), serves the consent endpoint through
 * admin-post.php, and has a settings page (Settings -> Consent).
 */
declare(strict_types=1);

if (!defined('ABSPATH')) {
    exit;
}

// The FFI class (and libconsent-ffi.h): bundled beside this file, or from
// the source tree.
if (!class_exists('Consent\\Gate')) {
    $libconsent_src = is_file(__DIR__ . '/Consent.php') ? __DIR__ . '/Consent.php'
                    : dirname(__DIR__, 2) . '/src/Consent.php';
    require_once $libconsent_src;
}

const LIBCONSENT_OPTION = 'libconsent_options';

/** The plugin's settings with their defaults. */
function libconsent_options(): array
{
    $o = get_option(LIBCONSENT_OPTION, []);
    return array_merge([
        'providers' => '',          // a provider file (docs/providers.md)
        'key_file' => '',           // a key ring (consent-gate key new)
        'language' => '',           // placeholders' fallback language
        'policy_version' => 0,      // raise when the privacy policy changes
        'privacy_url' => '',        // default: the WordPress privacy page
        'trusted_proxies' => '',    // reverse proxies in front of the site
        'multilingual' => false,    // placeholders in the visitor's language
        'disabled' => [],           // provider ids never gated (Settings -> Consent)
        'provider_text' => '',      // provider-file text: names, hosts, new providers
        'texts' => '',              // texts-file text: the placeholders' wording
        // Previews (titles and thumbnails fetched by the server, docs/previews.md);
        // off where the site blocks outgoing HTTP.
        'previews' => !(defined('WP_HTTP_BLOCK_EXTERNAL') && WP_HTTP_BLOCK_EXTERNAL),
    ], is_array($o) ? $o : []);
}

/** The endpoint placeholders post to. */
function libconsent_endpoint_url(): string
{
    return admin_url('admin-post.php?action=libconsent');
}

/** The key ring the plugin made on activation (kept in the database, which
 *  only PHP reads; never a file the web server could serve). */
const LIBCONSENT_KEYRING_OPTION = 'libconsent_keyring';

/** The placeholders' language: the setting, else the site's language. */
function libconsent_language(array $o): string
{
    if ($o['language'] !== '') {
        return $o['language'];
    }
    $locale = function_exists('get_locale') ? (string)get_locale() : 'en';
    return strtolower(substr($locale, 0, 2)) ?: 'en';
}

/** Why the library did not load, for the admin (empty when it did). */
function libconsent_load_error(?string $set = null): string
{
    static $why = '';
    if ($set !== null) {
        $why = $set;
    }
    return $why;
}

/**
 * A folder of the plugin's own in uploads/ (created when missing): the
 * assets, the texts file and the preview cache live there.  [path, URL]
 * or null when it cannot be made.
 */
function libconsent_upload_dir(string $name): ?array
{
    $up = wp_upload_dir(null, false);
    $dir = $up['basedir'] . '/' . $name;
    return wp_mkdir_p($dir) ? [$dir, $up['baseurl'] . '/' . $name] : null;
}

/** The texts of the settings as a file the library reads (named by its
 *  content, written once); null when there are none. */
function libconsent_texts_file(string $texts): ?string
{
    if (trim($texts) === '') {
        return null;
    }
    $d = libconsent_upload_dir('libconsent');
    if ($d === null) {
        throw new Consent\ConsentException(6, 'texts: the uploads folder is not writable');
    }
    $file = $d[0] . '/texts-' . substr(md5($texts), 0, 12) . '.ini';
    if (!is_file($file) && file_put_contents($file, $texts) === false) {
        throw new Consent\ConsentException(6, "texts: cannot write $file");
    }
    return $file;
}

/**
 * The preview cache (uploads/libconsent-previews/, served as static files
 * by the web server), or null when previews are off or the folder cannot
 * be made.  Sites and tests add settings of the fetcher (ca=, resolve=,
 * trust=, limits) with the filter libconsent_preview_options.
 */
function libconsent_previews(array $o, Consent\Registry $registry): ?Consent\Previews
{
    if (empty($o['previews'])) {
        return null;
    }
    $d = libconsent_upload_dir('libconsent-previews');
    if ($d === null) {
        error_log('libconsent: previews off: cannot make the folder in uploads/');
        return null;
    }
    $path = (string)parse_url($d[1], PHP_URL_PATH);
    $options = (array)apply_filters('libconsent_preview_options', []);
    try {
        return new Consent\Previews($registry, $d[0], ['url_prefix' => rtrim($path, '/') . '/'] + $options);
    } catch (Consent\ConsentException $e) {
        error_log('libconsent: previews off: ' . $e->getMessage());
        return null;
    }
}

/**
 * The gate and site of the current settings, built once per request
 * (PHP's life cycle).  When the configured files are broken the built-in
 * defaults are used (and the problem logged), so embeds stay gated; when
 * the library cannot be loaded, null: every embed is then blocked
 * (libconsent_fail_closed) and an admin notice says why.
 */
function libconsent_runtime(bool $reset = false): ?array
{
    static $rt = null, $failed = false;
    if ($reset) {
        $rt = null;
        $failed = false;
    }
    if ($rt !== null || $failed) {
        return $rt;
    }
    $o = libconsent_options();
    $privacy = $o['privacy_url'] ?: (function_exists('get_privacy_policy_url') ? get_privacy_policy_url() : '');
    try {
        $ring = null;
        $ringText = get_option(LIBCONSENT_KEYRING_OPTION, '');
        try {
            if ($o['key_file']) {
                $ring = new Consent\KeyRing($o['key_file']);
            } elseif (is_string($ringText) && $ringText !== '') {
                $ring = new Consent\KeyRing('the key ring the plugin made', $ringText);
            }
        } catch (Consent\ConsentException $e) {
            error_log('libconsent: key ring: ' . $e->getMessage());
        }
        $base = [
            'texts' => libconsent_texts_file((string)$o['texts']),
            'language' => libconsent_language($o),
            'privacy_url' => $privacy ?: null,
            'endpoint' => $ring ? libconsent_endpoint_url() : null,
            'script' => 'none',        // enqueued once per page (libconsent_assets)
            'notice' => false,         // the plugin gates fragments, not pages
        ];
        try {
            $registry = libconsent_registry($o);
            $previews = libconsent_previews($o, $registry);
            $gate = new Consent\Gate(array_filter(['registry' => $registry, 'previews' => $previews]
                                                  + $base, fn($v) => $v !== null));
        } catch (Consent\ConsentException $e) {
            error_log('libconsent: settings ignored, built-in defaults used: ' . $e->getMessage());
            $registry = new Consent\Registry();
            $previews = null;
            $gate = new Consent\Gate(['registry' => $registry, 'script' => 'none',
                                      'notice' => false, 'endpoint' => $base['endpoint']]);
        }
        $site = null;
        if ($ring) {
            try {
                $site = new Consent\Site($registry, $ring,
                                         ['secure' => is_ssl(),
                                          'policy_version' => (int)$o['policy_version'],
                                          'trusted_proxies' => (string)$o['trusted_proxies']]);
            } catch (Consent\ConsentException $e) {
                error_log('libconsent: ' . $e->getMessage());
            }
        }
        $rt = ['registry' => $registry, 'previews' => $previews, 'gate' => $gate,
               'site' => $site, 'ring' => $ring];
    } catch (\Throwable $e) {
        $failed = true;
        libconsent_load_error($e->getMessage());
        error_log('libconsent: ' . $e->getMessage());
    }
    return $rt;
}

/** The providers: built in, the provider file's, and the switches of
 *  the settings page (a provider switched off is never gated). */
function libconsent_registry(array $o): Consent\Registry
{
    $registry = new Consent\Registry($o['providers'] ?: null);
    if (trim((string)$o['provider_text']) !== '') {
        $registry->load((string)$o['provider_text'], 'Settings -> Consent: providers');
    }
    $off = '';
    foreach ((array)$o['disabled'] as $id) {
        if (is_string($id) && preg_match('/^[a-z0-9][a-z0-9._-]{0,31}$/', $id)) {
            $off .= "[$id]\nenabled = no\n";
        }
    }
    if ($off !== '') {
        try {
            $registry->load($off, 'Settings -> Consent');
        } catch (Consent\ConsentException $e) {
            error_log('libconsent: provider switches ignored: ' . $e->getMessage());
        }
    }
    return $registry;
}

/** On activation: a key ring of its own (so that "always" and the no-JS
 *  form work at once), and a check that the library loads. */
function libconsent_activate(): void
{
    if (get_option(LIBCONSENT_KEYRING_OPTION, '') === '') {
        $key = rtrim(strtr(base64_encode(random_bytes(32)), '+/', '-_'), '=');
        add_option(LIBCONSENT_KEYRING_OPTION, '1 ' . gmdate('Y-m-d\TH:i:s\Z') . " $key\n", '', 'no');
    }
    if (libconsent_runtime(true) === null) {
        set_transient('libconsent_activation_error', libconsent_load_error(), 0);
    }
}
register_activation_hook(__FILE__, 'libconsent_activate');

/**
 * When the library cannot be loaded: nothing that loads from elsewhere
 * is shown.  Each embed becomes a plain box ($box), and what is left is
 * passed through WordPress's own sanitizer with every tag and attribute
 * that fetches taken out.  Also the form of embeds in feeds ($box: a
 * link to the post).
 */
function libconsent_fail_closed(string $html, ?string $box = null): string
{
    $box ??= '<div class="libconsent-blocked" role="note">'
        . esc_html('Content blocked: the consent component is unavailable.') . '</div>';
    $mark = 'libconsent-blocked-' . bin2hex(random_bytes(6));
    $html = (string)preg_replace(
        '~<(iframe|object|video|audio|script|noscript|template|svg|math|frameset|picture|blockquote|style)\b.*?</\1\s*>~is',
        $mark, $html);
    $html = (string)preg_replace('~<(iframe|embed|object|video|audio|script|img|source|track|link|frame|input|image|use|meta|base)\b[^>]*>~is',
                                 $mark, $html);
    $allowed = wp_kses_allowed_html('post');
    foreach (['img', 'audio', 'video', 'source', 'track', 'picture', 'iframe', 'embed', 'object',
              'blockquote', 'style'] as $t) {
        unset($allowed[$t]);
    }
    foreach ($allowed as $t => $attrs) {
        if (is_array($attrs)) {
            foreach (['style', 'background', 'src', 'srcset', 'poster', 'data', 'ping', 'cite'] as $a) {
                unset($allowed[$t][$a]);
            }
        }
    }
    $html = wp_kses($html, $allowed);
    return (string)preg_replace('~(?:' . $mark . '\s*)+~', $box, $html);
}

/** The page's own path, for the placeholders' return field. */
function libconsent_return_path(): string
{
    $uri = $_SERVER['REQUEST_URI'] ?? '/';
    return (is_string($uri) && str_starts_with($uri, '/') && !str_starts_with($uri, '//')
            && !str_contains($uri, '\\')) ? $uri : '/';
}

/** Gates a piece of HTML for the current visitor. */
function libconsent_gate_html($html)
{
    static $ids = 0;
    if (!is_string($html) || $html === '' || is_admin()) {
        return $html;
    }
    if (is_feed()) {
        /* Feed readers run no script and post no forms: each embed becomes a
         * link to the post. */
        $link = '<p><a href="' . esc_url(get_permalink()) . '">'
            . esc_html('Embedded content: view it on the site') . '</a></p>';
        return libconsent_fail_closed($html, $link);
    }
    $rt = libconsent_runtime();
    if ($rt === null) {
        return libconsent_fail_closed($html);
    }
    $state = null;
    if ($rt['site'] !== null) {
        $req = $rt['site']->request(Consent\Site::headersFromServer($_SERVER), is_ssl());
        $state = $req->state();
    }
    $o = libconsent_options();
    $pending = $rt['previews']?->pending() ?? 0;
    try {
        $out = $rt['gate']->rewrite($html, $state,
                                    $o['multilingual'] ? ($_SERVER['HTTP_ACCEPT_LANGUAGE'] ?? null) : null,
                                    libconsent_return_path());
    } catch (\Throwable $e) {
        error_log('libconsent: gating failed: ' . $e->getMessage());
        return libconsent_fail_closed($html);
    }
    if ($rt['previews'] !== null && $rt['previews']->pending() > $pending) {
        libconsent_preview_misses((int)get_the_ID());
    }
    /* Each fragment's boxes count from 1: their ids go on from the page's
     * earlier fragments, so that every id is unique on the page. */
    $base = $ids;
    return (string)preg_replace_callback('~(id|aria-labelledby)="consent-embed-(\d+)"~',
        function ($m) use ($base, &$ids) {
            $n = $base + (int)$m[2];
            $ids = max($ids, $n);
            return $m[1] . '="consent-embed-' . $n . '"';
        }, $out);
}

/*
 * Previews are never fetched on a visitor's request: a page that missed
 * some notes its post, and WP-Cron (libconsent_fetch_previews) renders
 * those posts again, which queues the same embeds, and runs the fetcher.
 */
const LIBCONSENT_PREVIEW_POSTS = 'libconsent_preview_posts';

/** Notes a post whose embeds have no preview yet ($id 0: none); at
 *  shutdown the notes are saved and the fetch scheduled. */
function libconsent_preview_misses(?int $id = null): array
{
    static $ids = [];
    if ($id !== null && $id > 0 && count($ids) < 16) {
        $ids[$id] = true;
    }
    return array_keys($ids);
}

function libconsent_schedule_previews(): void
{
    $ids = libconsent_preview_misses();
    if ($ids === [] || wp_doing_cron()) {
        return;
    }
    $old = get_option(LIBCONSENT_PREVIEW_POSTS, []);
    $all = array_slice(array_values(array_unique(array_merge(is_array($old) ? $old : [], $ids))), -64);
    update_option(LIBCONSENT_PREVIEW_POSTS, $all, false);
    if (!wp_next_scheduled('libconsent_fetch_previews')) {
        wp_schedule_single_event(time(), 'libconsent_fetch_previews');
    }
}
add_action('shutdown', 'libconsent_schedule_previews');

/** WP-Cron: fetches the previews the noted posts miss (30 s at most). */
function libconsent_fetch_previews(): void
{
    $ids = get_option(LIBCONSENT_PREVIEW_POSTS, []);
    delete_option(LIBCONSENT_PREVIEW_POSTS);
    $rt = libconsent_runtime();
    if ($rt === null || $rt['previews'] === null || !is_array($ids)) {
        return;
    }
    global $post;
    foreach ($ids as $id) {
        $p = get_post((int)$id);
        if ($p instanceof WP_Post && $p->post_status === 'publish') {
            $post = $p;
            setup_postdata($p);
            apply_filters('the_content', $p->post_content);
        }
    }
    wp_reset_postdata();
    try {
        [$fetched, $failed] = $rt['previews']->run(30000);
        if ($failed > 0) {
            error_log("libconsent: previews: $fetched fetched, $failed failed");
        }
    } catch (Consent\ConsentException $e) {
        error_log('libconsent: previews: ' . $e->getMessage());
    }
}
add_action('libconsent_fetch_previews', 'libconsent_fetch_previews');

/**
 * The activation script and style, once per page through WordPress's own
 * API (no content filter touches them): static files in the uploads
 * folder, named by their content.
 */
function libconsent_assets(): void
{
    if (libconsent_runtime() === null) {
        wp_register_style('libconsent', false);
        wp_enqueue_style('libconsent');
        wp_add_inline_style('libconsent', LIBCONSENT_BLOCKED_CSS);
        return;
    }
    $css = Consent\Lib::asset(1) . LIBCONSENT_WP_CSS . LIBCONSENT_BLOCKED_CSS;
    $js = Consent\Lib::asset(0);
    $d = libconsent_upload_dir('libconsent');
    $name = substr(md5($js . $css), 0, 12);
    $ok = false;
    if ($d !== null) {
        [$dir, $url] = $d;
        $ok = (is_file("$dir/consent-$name.js") && is_file("$dir/consent-$name.css"))
            || (file_put_contents("$dir/consent-$name.js", $js) !== false
                && file_put_contents("$dir/consent-$name.css", $css) !== false);
    }
    if ($ok) {
        wp_enqueue_style('libconsent', "$url/consent-$name.css", [], null);
        wp_enqueue_script('libconsent', "$url/consent-$name.js", [], null, true);
    } else {
        wp_register_style('libconsent', false);
        wp_enqueue_style('libconsent');
        wp_add_inline_style('libconsent', $css);
        wp_register_script('libconsent', false, [], null, true);
        wp_enqueue_script('libconsent');
        wp_add_inline_script('libconsent', $js);
    }
}
add_action('wp_enqueue_scripts', 'libconsent_assets');

/** The script's data-consent-state: this page came gated for this visitor
 *  (restore nothing on load; docs/endpoint.md). */
function libconsent_script_tag(string $tag, string $handle): string
{
    if ($handle !== 'libconsent' || !str_contains($tag, ' src=')) {
        return $tag;
    }
    $rt = libconsent_runtime();
    $state = $rt !== null && $rt['site'] !== null ? '""' : null;
    return $state === null ? $tag : str_replace('<script ', '<script data-consent-state=' . $state . ' ', $tag);
}
add_filter('script_loader_tag', 'libconsent_script_tag', 10, 2);

/* The block editor's oEmbed wrapper keeps a 16:9 (or other) box with
 * padding: the placeholder fills it instead of sitting under an empty
 * one. */
const LIBCONSENT_WP_CSS = "\n.wp-has-aspect-ratio .wp-block-embed__wrapper>.consent-embed"
    . "{position:absolute;top:0;left:0;width:100%;height:100%;margin:0;min-height:0;overflow:auto}\n";
const LIBCONSENT_BLOCKED_CSS = "\n.libconsent-blocked{margin:1rem 0;padding:1rem;border:1px solid #c4c4c4;"
    . "border-radius:.5rem;background:#f3f3f3;color:#1f1f1f}\n";

add_filter('the_content', 'libconsent_gate_html', 99);
add_filter('widget_text_content', 'libconsent_gate_html', 99);
add_filter('widget_block_content', 'libconsent_gate_html', 99);
add_filter('embed_oembed_html', 'libconsent_gate_html', 99);

/** Pages depend on the visitor's cookie: caches must know. */
function libconsent_vary(): void
{
    if (!headers_sent()) {
        header('Vary: Cookie', false);
    }
}
add_action('send_headers', 'libconsent_vary');

/**
 * The endpoint's answer to a request given as PHP's $_SERVER, query
 * string and body: ['status', 'headers', 'body', 'receipt', 'reason'].
 */
function libconsent_endpoint_response(array $server, string $query, string $body): array
{
    $rt = libconsent_runtime();
    if ($rt === null || $rt['site'] === null) {
        return ['status' => 503, 'headers' => [['Content-Type', 'text/plain']],
                'body' => "consent endpoint: no key file configured\n", 'receipt' => null,
                'reason' => 'no key file configured'];
    }
    $https = !empty($server['HTTPS']) && $server['HTTPS'] !== 'off';
    $req = $rt['site']->request(Consent\Site::headersFromServer($server), $https,
                                $server['REMOTE_ADDR'] ?? null);
    return $req->endpoint($server['REQUEST_METHOD'] ?? 'GET', $query, $body, $rt['gate']);
}

/** admin-post.php?action=libconsent */
function libconsent_endpoint(): void
{
    $body = (string)file_get_contents('php://input', false, null, 0,
                                      Consent\Lib::MAX_BODY + 1);
    $r = libconsent_endpoint_response($_SERVER, (string)($_SERVER['QUERY_STRING'] ?? ''), $body);
    if ($r['receipt'] !== null) {
        error_log('consent receipt: ' . json_encode($r['receipt'], JSON_UNESCAPED_SLASHES));
    }
    status_header($r['status']);
    foreach ($r['headers'] as [$name, $value]) {
        header("$name: $value", false);
    }
    echo $r['body'];
    exit;
}
add_action('admin_post_nopriv_libconsent', 'libconsent_endpoint');
add_action('admin_post_libconsent', 'libconsent_endpoint');

// ----------------------------------------------------------------------
// Settings -> Consent

/** Checks new settings; a file or value that does not work keeps the old one. */
function libconsent_sanitize_options($in): array
{
    $old = libconsent_options();
    $in = is_array($in) ? $in : [];
    $new = $old;
    $providers = trim((string)($in['providers'] ?? ''));
    try {
        new Consent\Registry($providers ?: null);
        $new['providers'] = $providers;
    } catch (\Throwable $e) {
        add_settings_error(LIBCONSENT_OPTION, 'providers', 'Provider file: ' . $e->getMessage());
    }
    $ptext = (string)($in['provider_text'] ?? $old['provider_text']);
    try {
        if (trim($ptext) !== '') {
            (new Consent\Registry($new['providers'] ?: null))->load($ptext, 'Providers (text)');
        }
        $new['provider_text'] = $ptext;
    } catch (\Throwable $e) {
        add_settings_error(LIBCONSENT_OPTION, 'provider_text', 'Providers: ' . $e->getMessage());
    }
    $texts = (string)($in['texts'] ?? $old['texts']);
    try {
        if (trim($texts) !== '') {
            $tmp = wp_tempnam('libconsent-texts');
            try {
                file_put_contents($tmp, $texts);
                new Consent\Gate(['texts' => $tmp]);
            } finally {
                @unlink($tmp);
            }
        }
        $new['texts'] = $texts;
    } catch (\Throwable $e) {
        add_settings_error(LIBCONSENT_OPTION, 'texts',
                           'Texts: ' . str_replace((string)($tmp ?? '') . ':', 'line ', $e->getMessage()));
    }
    $key = trim((string)($in['key_file'] ?? ''));
    try {
        if ($key !== '') {
            new Consent\KeyRing($key);
        }
        $new['key_file'] = $key;
    } catch (\Throwable $e) {
        add_settings_error(LIBCONSENT_OPTION, 'key_file', 'Key file: ' . $e->getMessage());
    }
    $lang = trim((string)($in['language'] ?? ''));
    try {
        if ($lang !== '') {
            new Consent\Gate(['language' => $lang]);
        }
        $new['language'] = $lang;
    } catch (\Throwable $e) {
        add_settings_error(LIBCONSENT_OPTION, 'language', 'Language: ' . $e->getMessage());
    }
    $pv = $in['policy_version'] ?? 0;
    if (is_numeric($pv) && (int)$pv >= 0 && (int)$pv <= Consent\Lib::POLICY_VERSION_MAX) {
        $new['policy_version'] = (int)$pv;
    } else {
        add_settings_error(LIBCONSENT_OPTION, 'policy_version', 'Policy version: a number from 0 to ' . Consent\Lib::POLICY_VERSION_MAX);
    }
    $new['privacy_url'] = esc_url_raw(trim((string)($in['privacy_url'] ?? '')));
    $new['multilingual'] = !empty($in['multilingual']);
    if (array_key_exists('previews_shown', $in) || array_key_exists('previews', $in)) {
        $new['previews'] = !empty($in['previews']);
    }
    if (isset($in['providers_shown'])) {
        /* The provider switches: those left unticked are not gated. */
        $on = array_map('strval', (array)($in['enabled'] ?? []));
        $new['disabled'] = array_values(array_diff(
            array_map('strval', explode(' ', (string)$in['providers_shown'])), $on, ['']));
    } elseif (isset($in['disabled']) && is_array($in['disabled'])) {
        /* (WordPress sanitizes a new option twice: the second time it is
         * given the first result.) */
        $new['disabled'] = array_values(array_filter($in['disabled'], 'is_string'));
    }
    return $new;
}

function libconsent_register_settings(): void
{
    register_setting('libconsent', LIBCONSENT_OPTION, ['type' => 'array',
        'sanitize_callback' => 'libconsent_sanitize_options']);
}
add_action('admin_init', 'libconsent_register_settings');

function libconsent_settings_page(): void
{
    if (!current_user_can('manage_options')) {
        return;
    }
    $o = libconsent_options();
    $fields = [
        'providers' => ['Provider file', 'Path of a provider file that adds or changes providers (empty: built-in).'],
        'key_file' => ['Key file', 'Path of the key ring that signs consent cookies (consent-gate key new --key-file FILE). Needed for the "load" buttons to remember a choice.'],
        'language' => ['Language', 'Placeholders\' language (de, en, es, fr, it, nl, pl; empty: the site\'s language).'],
        'policy_version' => ['Policy version', 'Raise it when your privacy policy changes: earlier consent no longer counts.'],
        'privacy_url' => ['Privacy policy URL', 'Linked from every placeholder (empty: the WordPress privacy page).'],
        'trusted_proxies' => ['Trusted proxies', 'Addresses (or ADDR/BITS) of reverse proxies in front of this site whose X-Forwarded-Proto / X-Forwarded-Host / Forwarded headers may be believed (empty: none).'],
    ];
    echo '<div class="wrap"><h1>Consent (libconsent)</h1>';
    settings_errors(LIBCONSENT_OPTION);
    echo '<form method="post" action="options.php">';
    settings_fields('libconsent');
    echo '<table class="form-table" role="presentation">';
    foreach ($fields as $k => [$label, $help]) {
        printf('<tr><th scope="row"><label for="libconsent-%1$s">%2$s</label></th><td>'
               . '<input class="regular-text" id="libconsent-%1$s" name="%3$s[%1$s]" value="%4$s">'
               . '<p class="description">%5$s</p></td></tr>',
               esc_attr($k), esc_html($label), esc_attr(LIBCONSENT_OPTION), esc_attr((string)$o[$k]),
               esc_html($help));
    }
    printf('<tr><th scope="row">Languages</th><td><label><input type="checkbox" name="%1$s[multilingual]"'
           . ' value="1"%2$s> The site is multilingual: placeholders in the visitor\'s language</label>'
           . '<p class="description">Off: placeholders in the site\'s language (%3$s).</p></td></tr>',
           esc_attr(LIBCONSENT_OPTION), $o['multilingual'] ? ' checked' : '',
           esc_html(libconsent_language($o)));
    printf('<tr><th scope="row">Previews</th><td><input type="hidden" name="%1$s[previews_shown]" value="1">'
           . '<label><input type="checkbox" name="%1$s[previews]" value="1"%2$s> Show the title and '
           . 'thumbnail of videos and posts in their placeholders</label><p class="description">The '
           . 'server fetches them once from the provider (WP-Cron) and serves them from uploads/; '
           . 'visitors\' browsers contact nobody.</p></td></tr>',
           esc_attr(LIBCONSENT_OPTION), $o['previews'] ? ' checked' : '');
    $areas = [
        'texts' => ['Texts', 'The placeholders\' wording per language, as a texts file: <code>[en]</code> then '
                    . '<code>title = ...</code>, <code>intro = ... {provider} ...</code> (keys: title intro '
                    . 'privacy provider_link site_link button always open; docs/placeholder.md).'],
        'provider_text' => ['Providers (text)', 'Per provider, as a provider file: <code>[youtube]</code> then '
                    . '<code>name = YouTube (our channel)</code>, <code>privacy = ...</code>, more '
                    . '<code>hosts += ...</code>, or new providers (docs/providers.md).'],
    ];
    foreach ($areas as $k => [$label, $help]) {
        printf('<tr><th scope="row"><label for="libconsent-%1$s">%2$s</label></th><td>'
               . '<textarea class="large-text code" rows="6" id="libconsent-%1$s" name="%3$s[%1$s]">%4$s'
               . '</textarea><p class="description">%5$s</p></td></tr>',
               esc_attr($k), esc_html($label), esc_attr(LIBCONSENT_OPTION), esc_textarea((string)$o[$k]),
               wp_kses($help, ['code' => []]));
    }
    echo '</table>';
    /* Per provider: gated (ticked) or not. */
    $rt = libconsent_runtime();
    if ($rt !== null) {
        try {
            $listed = new Consent\Registry($o['providers'] ?: null);
            if (trim((string)$o['provider_text']) !== '') {
                $listed->load((string)$o['provider_text'], 'Providers (text)');
            }
            $all = $listed->providers();
        } catch (\Throwable $e) {
            $all = [];
        }
        echo '<h2>Providers</h2><p class="description">Untick a provider to never gate it '
            . '(for example your own, or one covered by another consent tool).</p>'
            . '<fieldset><legend class="screen-reader-text">Providers gated</legend>';
        foreach ($all as $id => [$name, $cat]) {
            printf('<label style="display:inline-block;min-width:16rem"><input type="checkbox" '
                   . 'name="%1$s[enabled][]" value="%2$s"%3$s> %4$s <small>(%5$s)</small></label> ',
                   esc_attr(LIBCONSENT_OPTION), esc_attr($id),
                   in_array($id, (array)$o['disabled'], true) ? '' : ' checked',
                   esc_html($name), esc_html($cat));
        }
        printf('</fieldset><input type="hidden" name="%1$s[providers_shown]" value="%2$s">',
               esc_attr(LIBCONSENT_OPTION), esc_attr(implode(' ', array_keys($all))));
    }
    submit_button();
    echo '</form></div>';
}

function libconsent_admin_menu(): void
{
    add_options_page('Consent (libconsent)', 'Consent', 'manage_options', 'libconsent',
                     'libconsent_settings_page');
}
add_action('admin_menu', 'libconsent_admin_menu');

function libconsent_admin_notice(): void
{
    if (!current_user_can('manage_options')) {
        return;
    }
    $why = get_transient('libconsent_activation_error');
    if (libconsent_runtime() !== null) {
        if ($why !== false) {
            delete_transient('libconsent_activation_error');
        }
        return;
    }
    $why = libconsent_load_error() ?: (string)$why;
    $ini = __DIR__ . '/libconsent.ini';
    echo '<div class="notice notice-error"><p><strong>libconsent could not load its library: '
        . 'every embed is blocked</strong> (visitors see a "content blocked" box, never the '
        . 'embed).</p><p>' . esc_html($why) . '</p>';
    if (ini_get('ffi.enable') === 'preload') {
        echo '<p>This PHP allows FFI only for preloaded code. Copy <code>' . esc_html($ini)
            . '</code> to <code>' . esc_html(PHP_CONFIG_FILE_SCAN_DIR . '/30-libconsent.ini')
            . '</code> with these lines, then restart the web server:</p><pre>'
            . esc_html("opcache.enable=1\nopcache.preload=" . __DIR__ . "/Consent.php\n"
                       . "opcache.preload_user=www-data") . '</pre>';
    } else {
        echo '<p>Is libconsent installed (<code>make install</code>, then <code>ldconfig</code>) '
            . 'and PHP\'s FFI extension enabled?</p>';
    }
    echo '</div>';
}
add_action('admin_notices', 'libconsent_admin_notice');
