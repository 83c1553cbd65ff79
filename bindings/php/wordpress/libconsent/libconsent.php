<?php
/*
 * Plugin Name:       libconsent
 * Description:       Two-click consent for embeds: YouTube, Vimeo, X, Instagram, maps, podcasts and more stay out of your pages until the visitor allows them. Works with and without JavaScript.
 * Version:           0.1.0
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

// The FFI class: bundled beside this file, or from the source tree.
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
    ], is_array($o) ? $o : []);
}

/** The endpoint placeholders post to. */
function libconsent_endpoint_url(): string
{
    return admin_url('admin-post.php?action=libconsent');
}

/**
 * The gate and site of the current settings, built once per request
 * (PHP's life cycle).  When the configured files are broken the built-in
 * defaults are used (and the problem logged), so embeds stay gated; when
 * the library cannot be loaded, null (an admin notice says why).
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
        try {
            $registry = new Consent\Registry($o['providers'] ?: null);
            $gate = new Consent\Gate(array_filter([
                'registry' => $registry,
                'language' => $o['language'] ?: null,
                'privacy_url' => $privacy ?: null,
                'endpoint' => $o['key_file'] ? libconsent_endpoint_url() : null,
            ]));
        } catch (Consent\ConsentException $e) {
            error_log('libconsent: settings ignored, built-in defaults used: ' . $e->getMessage());
            $registry = new Consent\Registry();
            $gate = new Consent\Gate(['registry' => $registry]);
        }
        $site = null;
        if ($o['key_file']) {
            try {
                $site = new Consent\Site($registry, new Consent\KeyRing($o['key_file']),
                                         ['secure' => is_ssl(),
                                          'policy_version' => (int)$o['policy_version'],
                                          'trusted_proxies' => (string)$o['trusted_proxies']]);
            } catch (Consent\ConsentException $e) {
                error_log('libconsent: key file: ' . $e->getMessage());
            }
        }
        $rt = ['registry' => $registry, 'gate' => $gate, 'site' => $site];
    } catch (\Throwable $e) {
        $failed = true;
        error_log('libconsent: ' . $e->getMessage());
    }
    return $rt;
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
    if (!is_string($html) || $html === '' || is_admin()) {
        return $html;
    }
    $rt = libconsent_runtime();
    if ($rt === null) {
        return $html;
    }
    $state = null;
    $req = null;
    if ($rt['site'] !== null) {
        $req = $rt['site']->request(Consent\Site::headersFromServer($_SERVER), is_ssl());
        $state = $req->state();
    }
    return $rt['gate']->rewrite($html, $state, $_SERVER['HTTP_ACCEPT_LANGUAGE'] ?? null,
                                libconsent_return_path());
}

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
    if (is_numeric($pv) && (int)$pv >= 0 && (int)$pv <= 65535) {
        $new['policy_version'] = (int)$pv;
    } else {
        add_settings_error(LIBCONSENT_OPTION, 'policy_version', 'Policy version: a number from 0 to 65535');
    }
    $new['privacy_url'] = esc_url_raw(trim((string)($in['privacy_url'] ?? '')));
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
        'language' => ['Language', 'Placeholders\' language when the browser\'s fits none (de, en, es, fr, it, nl, pl).'],
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
    echo '</table>';
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
    if (current_user_can('manage_options') && libconsent_runtime() === null) {
        echo '<div class="notice notice-error"><p>libconsent: the library could not be loaded '
             . '(PHP FFI enabled? CONSENT_LIBRARY set?); embeds are not gated.</p></div>';
    }
}
add_action('admin_notices', 'libconsent_admin_notice');
