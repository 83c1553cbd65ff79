<?php
/**
 * libconsent for PHP 8.2 through FFI: gate the embeds of HTML until the
 * visitor consents, read and issue consent cookies, answer the consent
 * endpoint (docs/endpoint.md).
 *
 *   $gate = new Consent\Gate(['privacy_url' => '/privacy/']);
 *   echo $gate->rewrite($html);
 *
 * The library is found at getenv('CONSENT_LIBRARY'), then as
 * libconsent.so.0 through the system's loader, then in the build tree of
 * a source checkout.  FFI must be allowed: php-cli allows it; where
 * ffi.enable=preload (Debian's Apache and FPM PHP), preload this file
 * (opcache.preload=PATH/Consent.php, opcache.preload_user=www-data).  Its
 * declarations are in libconsent-ffi.h beside it.
 */
declare(strict_types=1);

namespace Consent;

final class ConsentException extends \RuntimeException
{
    public function __construct(public readonly int $status, string $message)
    {
        parent::__construct($message, $status);
    }
}

/** The loaded library (one FFI instance per process). */
final class Lib
{
    /** The largest body the consent endpoint accepts. */
    public const MAX_BODY = 4096;

    /** The highest policy version (CONSENT_POLICY_VERSION_MAX). */
    public const POLICY_VERSION_MAX = 4294967295;

    private static ?\FFI $ffi = null;

    /** The declarations, from libconsent-ffi.h beside this file (its
     *  preprocessor lines are for ffi.preload). */
    private static function cdef(): string
    {
        static $c = null;
        return $c ??= (string)preg_replace('/^#.*$/m', '',
            (string)file_get_contents(__DIR__ . '/libconsent-ffi.h'));
    }

    /** The scope name a preloaded library is found under (FFI::scope). */
    public const SCOPE = 'libconsent';

    /** Where the library may be: CONSENT_LIBRARY, the loader, a build tree. */
    private static function candidates(): array
    {
        $env = getenv('CONSENT_LIBRARY');
        return $env ? [$env] : [
            'libconsent.so.0',
            dirname(__DIR__, 3) . '/_build/libconsent/.libs/libconsent.so.0',
        ];
    }

    public static function ffi(): \FFI
    {
        if (self::$ffi !== null) {
            return self::$ffi;
        }
        $tried = [];
        try {
            /* Preloaded by PHP (ffi.preload=.../libconsent-ffi.h). */
            self::$ffi = \FFI::scope(self::SCOPE);
        } catch (\Throwable $e) {
            $tried[] = 'preloaded scope: ' . $e->getMessage();
        }
        foreach (self::$ffi === null ? self::candidates() : [] as $lib) {
            try {
                self::$ffi = \FFI::cdef(self::cdef(), $lib);
                break;
            } catch (\Throwable $e) {
                $tried[] = "$lib: " . $e->getMessage();
            }
        }
        if (self::$ffi === null) {
            $hint = ini_get('ffi.enable') === 'preload' && PHP_SAPI !== 'cli'
                ? ' (ffi.enable=preload: opcache must preload Consent.php, see the WordPress plugin\'s libconsent.ini)'
                : ' (set CONSENT_LIBRARY)';
            throw new \RuntimeException('libconsent not loaded' . $hint . ': '
                                        . implode('; ', $tried));
        }
        if (self::$ffi->consent_version_num() < 0x000100) {
            throw new \RuntimeException('libconsent ' . self::$ffi->consent_version()
                                        . ' is too old for this binding');
        }
        return self::$ffi;
    }

    /** The activation script (0), its style (1) or the runtime guard (2). */
    public static function asset(int $which): string
    {
        /* (FFI hands a const char * back as a PHP string.) */
        return (string)self::ffi()->consent_asset($which, null);
    }

    /** Throws a ConsentException for a status other than 0. */
    public static function check(int $status, ?string $detail = null): void
    {
        if ($status !== 0) {
            $msg = self::ffi()->consent_strerror($status);
            throw new ConsentException($status, $detail ? "$msg: $detail" : $msg);
        }
    }

    /** A new pointer-to-pointer out-parameter. */
    public static function out(string $type): \FFI\CData
    {
        return self::ffi()->new($type . '*');
    }
}

/** The providers a site gates: built-in, extended by a provider file. */
final class Registry
{
    public \FFI\CData $ptr;

    public function __construct(?string $providerFile = null)
    {
        $f = Lib::ffi();
        $out = Lib::out('consent_registry_t');
        Lib::check($f->consent_registry_new(\FFI::addr($out)));
        $this->ptr = $out;
        if ($providerFile !== null && $providerFile !== '') {
            $st = $f->consent_registry_load_file($this->ptr, $providerFile);
            Lib::check($st, $f->consent_registry_errmsg($this->ptr));
        }
    }

    public function count(): int
    {
        return (int)Lib::ffi()->consent_registry_count($this->ptr);
    }

    /** Reads provider file text on top of what is loaded ($name in
     *  messages). */
    public function load(string $text, string $name = 'settings'): void
    {
        $f = Lib::ffi();
        Lib::check($f->consent_registry_load_buffer($this->ptr, $text, strlen($text), $name),
                   $f->consent_registry_errmsg($this->ptr));
    }

    /** The providers: [id => [name, category], ...] in registry order. */
    public function providers(): array
    {
        $f = Lib::ffi();
        $out = [];
        for ($i = 0, $n = $this->count(); $i < $n; $i++) {
            $id = (string)$f->consent_registry_id($this->ptr, $i);
            $out[$id] = [(string)$f->consent_registry_get($this->ptr, $id, 0),
                         (string)$f->consent_registry_get($this->ptr, $id, 1)];
        }
        return $out;
    }

    public function __destruct()
    {
        Lib::ffi()->consent_registry_free($this->ptr);
    }
}

/**
 * A cache folder of oEmbed previews (docs/previews.md): the server fetches
 * an embed's title and thumbnail once and serves them from the site, so
 * placeholders show them without the visitor's browser contacting the
 * provider.  Give it to a Gate (option 'previews'); a Gate queues what it
 * misses, and run() fetches the queue (never on the request path: from
 * cron or the command line).  Options: url_prefix (the URL path the folder
 * is served under, default /consent-previews/) and any setting
 * consent_previews_set_option() takes by name (ca, resolve, trust,
 * cache_bytes, ttl, error_ttl, concurrency, timeout_ms, max_json,
 * max_image), a list for the repeatable ones.
 */
final class Previews
{
    public \FFI\CData $ptr;

    public function __construct(public readonly Registry $registry, string $folder,
                                array $options = [])
    {
        $f = Lib::ffi();
        $out = Lib::out('consent_previews_t');
        Lib::check($f->consent_previews_new($registry->ptr, $folder, \FFI::addr($out)), $folder);
        $this->ptr = $out;
        if (isset($options['url_prefix'])) {
            Lib::check($f->consent_previews_set_url_prefix($this->ptr, (string)$options['url_prefix']),
                       'url_prefix ' . $options['url_prefix']);
            unset($options['url_prefix']);
        }
        foreach ($options as $name => $values) {
            foreach ((array)$values as $v) {
                $opt = "$name=$v";
                Lib::check($f->consent_previews_set_option($this->ptr, $opt), $opt);
            }
        }
    }

    /** Queues an embed URL for the fetcher. */
    public function queue(string $url): void
    {
        Lib::check(Lib::ffi()->consent_previews_queue($this->ptr, $url, strlen($url)), $url);
    }

    /** How many URLs wait for the fetcher. */
    public function pending(): int
    {
        return (int)Lib::ffi()->consent_previews_pending($this->ptr);
    }

    /** Fetches the queue for at most $maxMs milliseconds (0: until it is
     *  empty); returns [fetched, failed]. */
    public function run(int $maxMs = 0): array
    {
        $f = Lib::ffi();
        $ok = $f->new('unsigned int');
        $bad = $f->new('unsigned int');
        Lib::check($f->consent_previews_run($this->ptr, $maxMs, \FFI::addr($ok), \FFI::addr($bad)));
        return [$ok->cdata, $bad->cdata];
    }

    /** The content type of a file of the folder that may be served by
     *  name, null for any other (serve nothing). */
    public static function fileType(string $name): ?string
    {
        $t = Lib::ffi()->consent_previews_file_type($name, strlen($name));
        return $t === null ? null : (string)$t;
    }

    public function __destruct()
    {
        Lib::ffi()->consent_previews_free($this->ptr);
    }
}

/** The key ring that signs consent cookies (docs/cookie.md). */
final class KeyRing
{
    public \FFI\CData $ptr;

    /** A key ring from a key file, or (with $text) from the file's text,
     *  $keyFile then only naming it in messages. */
    public function __construct(string $keyFile, ?string $text = null)
    {
        $f = Lib::ffi();
        $out = Lib::out('consent_keyring_t');
        $msg = $f->new('char*');
        $st = $text === null
            ? $f->consent_keyring_load_file($keyFile, \FFI::addr($out), \FFI::addr($msg))
            : $f->consent_keyring_load_buffer($text, strlen($text), $keyFile, \FFI::addr($out),
                                              \FFI::addr($msg));
        if ($st !== 0) {
            $detail = \FFI::isNull($msg) ? null : \FFI::string($msg);
            if (!\FFI::isNull($msg)) {
                $f->consent_free($msg);
            }
            Lib::check($st, $detail);
        }
        $this->ptr = $out;
    }

    public function __destruct()
    {
        Lib::ffi()->consent_keyring_free($this->ptr);
    }
}

/**
 * What to gate and how placeholders look.  Options: registry (Registry),
 * language, texts, template, notice_template, privacy_url, endpoint, script ('inline',
 * 'url', 'none'), script_url, style_url, cache_safe, guard (the runtime
 * guard), notice (the consent notice, default true), google_consent_mode
 * (Google Consent Mode v2 defaults, default false), allow (list of ids),
 * max_buffer, previews (Previews: placeholders show cached titles and
 * thumbnails, misses are queued).
 */
final class Gate
{
    public \FFI\CData $ptr;
    private ?Registry $registry;
    private ?Previews $previews;

    public function __construct(array $options = [])
    {
        $f = Lib::ffi();
        $cfgOut = Lib::out('consent_config_t');
        Lib::check($f->consent_config_new(\FFI::addr($cfgOut)));
        $cfg = $cfgOut;
        $this->registry = $options['registry'] ?? null;
        $this->previews = $options['previews'] ?? null;
        try {
            $conf = function (int $st, string $what) use ($f, $cfg): void {
                if ($st !== 0) {
                    $m = $f->consent_config_errmsg($cfg);
                    Lib::check($st, $m !== '' ? $m : $what);
                }
            };
            if ($this->registry) {
                $conf($f->consent_config_set_registry($cfg, $this->registry->ptr), 'registry');
            }
            if ($this->previews) {
                $conf($f->consent_config_set_previews($cfg, $this->previews->ptr), 'previews');
            }
            if (!empty($options['texts'])) {
                $conf($f->consent_config_load_texts($cfg, $options['texts']), 'texts');
            }
            if (!empty($options['template'])) {
                $conf($f->consent_config_load_template($cfg, $options['template']), 'template');
            }
            if (!empty($options['notice_template'])) {
                $conf($f->consent_config_load_notice_template($cfg, $options['notice_template']),
                      'notice_template');
            }
            if (!empty($options['language'])) {
                $conf($f->consent_config_set_language($cfg, $options['language']),
                      'language ' . $options['language']);
            }
            if (!empty($options['max_buffer'])) {
                $conf($f->consent_config_set_max_buffer($cfg, (int)$options['max_buffer']), 'max_buffer');
            }
            if (!empty($options['privacy_url'])) {
                $conf($f->consent_config_set_privacy_url($cfg, $options['privacy_url']), 'privacy_url');
            }
            if (!empty($options['endpoint'])) {
                $conf($f->consent_config_set_endpoint($cfg, $options['endpoint']), 'endpoint');
            }
            $modes = ['inline' => 0, 'url' => 1, 'none' => 2];
            $mode = $options['script'] ?? 'inline';
            if (!isset($modes[$mode])) {
                throw new ConsentException(2, 'invalid argument: script is inline, url or none');
            }
            $conf($f->consent_config_set_script($cfg, $modes[$mode], $options['script_url'] ?? null,
                                                $options['style_url'] ?? null), 'script');
            $conf($f->consent_config_set_cache_safe($cfg, empty($options['cache_safe']) ? 0 : 1),
                  'cache_safe');
            $conf($f->consent_config_set_guard($cfg, empty($options['guard']) ? 0 : 1), 'guard');
            $conf($f->consent_config_set_notice($cfg, ($options['notice'] ?? true) ? 1 : 0), 'notice');
            $conf($f->consent_config_set_google_consent_mode($cfg,
                  empty($options['google_consent_mode']) ? 0 : 1), 'google_consent_mode');
            foreach ($options['allow'] ?? [] as $id) {
                $conf($f->consent_config_allow_provider($cfg, $id), $id);
            }
            $out = Lib::out('consent_gate_t');
            $conf($f->consent_gate_new($cfg, \FFI::addr($out)), 'allow (unknown provider?)');
            $this->ptr = $out;
        } finally {
            $f->consent_config_free($cfg);
        }
    }

    public function negotiateLanguage(string $acceptLanguage): string
    {
        return Lib::ffi()->consent_gate_negotiate_language($this->ptr, $acceptLanguage,
                                                            strlen($acceptLanguage));
    }

    /**
     * Gates a whole document.  $state: the visitor's consent (from
     * Request::state(), which must stay alive meanwhile); $acceptLanguage
     * picks the placeholders' language; $returnPath is the page's path
     * for the endpoint.
     */
    public function rewrite(string $html, ?\FFI\CData $state = null, ?string $acceptLanguage = null,
                            ?string $returnPath = null, ?string $nonce = null): string
    {
        return $this->run($html, $state, $acceptLanguage, $returnPath, $nonce)[0];
    }

    /**
     * Gates the body of a response (in its coding, one of the CODING_*
     * values consent_http_classify gave) and its Link header values;
     * returns [body, links] (the links without the preloads of providers
     * not allowed).
     */
    public function rewriteResponse(string $body, ?\FFI\CData $state, ?string $acceptLanguage,
                                    ?string $returnPath, int $coding, ?string $contentType,
                                    array $links = []): array
    {
        return $this->run($body, $state, $acceptLanguage, $returnPath, null, $coding, $contentType,
                          $links);
    }

    private function run(string $html, ?\FFI\CData $state, ?string $acceptLanguage, ?string $returnPath,
                         ?string $nonce, int $coding = 0, ?string $contentType = null,
                         array $links = []): array
    {
        $f = Lib::ffi();
        $out = Lib::out('consent_rewriter_t');
        Lib::check($f->consent_rewriter_new_buffered($this->ptr, \FFI::addr($out)));
        $rw = $out;
        try {
            if ($state !== null) {
                Lib::check($f->consent_rewriter_set_state($rw, $state));
            }
            if ($acceptLanguage !== null && $acceptLanguage !== '') {
                Lib::check($f->consent_rewriter_set_language($rw, $this->negotiateLanguage($acceptLanguage)));
            }
            if ($returnPath !== null) {
                Lib::check($f->consent_rewriter_set_return_path($rw, $returnPath));
            }
            if ($nonce !== null) {
                Lib::check($f->consent_rewriter_set_nonce($rw, $nonce));
            }
            if ($coding !== 0) {
                Lib::check($f->consent_rewriter_set_encoding($rw, $coding, $coding));
            }
            if ($contentType !== null) {
                Lib::check($f->consent_rewriter_set_content_type($rw, $contentType, strlen($contentType)));
            }
            $kept = [];
            foreach ($links as $link) {
                $p = $f->new('char*');
                Lib::check($f->consent_rewriter_filter_link($rw, $link, strlen($link), \FFI::addr($p)));
                if (!\FFI::isNull($p)) {
                    $kept[] = \FFI::string($p);
                    $f->consent_free($p);
                }
            }
            $st = $f->consent_rewriter_write($rw, $html, strlen($html));
            if ($st === 0) {
                $st = $f->consent_rewriter_end($rw);
            }
            Lib::check($st, $f->consent_rewriter_errmsg($rw));
            $len = $f->new('size_t');
            $p = $f->consent_rewriter_take($rw, \FFI::addr($len));
            return [$len->cdata > 0 ? \FFI::string($p, $len->cdata) : '', $kept];
        } finally {
            $f->consent_rewriter_free($rw);
        }
    }

    /**
     * The changes a gated response's headers need, as the library says
     * (consent_gate_header_edit): [[op, name, value], ...] with op
     * 'remove', 'set' or 'merge' (add to a list header: Vary).
     */
    public function headerEdits(?Site $site): array
    {
        $f = Lib::ffi();
        $op = $f->new('consent_header_op');
        $name = $f->new('const char*');
        $value = $f->new('const char*');
        $edits = [];
        for ($i = 0; $f->consent_gate_header_edit($this->ptr, $site?->ptr, $i, \FFI::addr($op),
                                                  \FFI::addr($name), \FFI::addr($value)); $i++) {
            $edits[] = [['remove', 'set', 'merge'][\FFI::addr($op)[0]] ?? 'set',
                        \FFI::string($name), \FFI::string($value)];
        }
        return $edits;
    }

    public function __destruct()
    {
        Lib::ffi()->consent_gate_free($this->ptr);
    }
}

/**
 * How the site keeps consent.  Options: cookie_name, domain, path, secure,
 * httponly, samesite ('lax', 'strict', 'none'), policy_version, sources
 * ('cookie tcf klaro gpc', default 'cookie gpc'), gpc_categories
 * (default 'marketing'), trusted_proxies (reverse proxies whose Forwarded /
 * X-Forwarded-Proto / X-Forwarded-Host the endpoint believes).
 */
final class Site
{
    public \FFI\CData $ptr;

    public function __construct(public readonly Registry $registry, public readonly KeyRing $ring,
                                array $options = [])
    {
        $f = Lib::ffi();
        $out = Lib::out('consent_site_t');
        Lib::check($f->consent_site_new($registry->ptr, $ring->ptr, \FFI::addr($out)));
        $this->ptr = $out;
        $flags = (($options['secure'] ?? true) ? 1 : 0) | (($options['httponly'] ?? true) ? 2 : 0)
               | ['lax' => 4, 'strict' => 8, 'none' => 0][$options['samesite'] ?? 'lax'];
        Lib::check($f->consent_site_set_cookie($this->ptr, $options['cookie_name'] ?? 'consent',
                                               $options['domain'] ?? null, $options['path'] ?? null,
                                               $flags), 'cookie');
        $f->consent_site_set_policy_version($this->ptr, (int)($options['policy_version'] ?? 0));
        if (!empty($options['sources'])) {
            $bits = $f->new('unsigned int');
            $msg = $f->new('char*');
            $st = $f->consent_sources_from_names($options['sources'], \FFI::addr($bits), \FFI::addr($msg));
            $detail = \FFI::isNull($msg) ? 'sources ' . $options['sources'] : \FFI::string($msg);
            if (!\FFI::isNull($msg)) {
                $f->consent_free($msg);
            }
            Lib::check($st, $detail);
            Lib::check($f->consent_site_set_sources($this->ptr, $bits->cdata));
        }
        if (!empty($options['gpc_categories'])) {
            Lib::check($f->consent_site_set_gpc_categories($this->ptr, $options['gpc_categories']),
                       'gpc_categories ' . $options['gpc_categories']);
        }
        if (!empty($options['trusted_proxies'])) {
            Lib::check($f->consent_site_trust_proxies($this->ptr, $options['trusted_proxies']),
                       'trusted_proxies ' . $options['trusted_proxies']);
        }
    }

    /** One request, with its headers as name => value; $peer: the address it came from
     *  (REMOTE_ADDR), for trusted_proxies. */
    public function request(array $headers, bool $https = false, ?string $peer = null): Request
    {
        return new Request($this, $headers, $https, $peer);
    }

    /** The request headers of PHP's $_SERVER. */
    public static function headersFromServer(array $server): array
    {
        $h = [];
        foreach ($server as $k => $v) {
            if (is_string($v) && str_starts_with($k, 'HTTP_')) {
                $h[str_replace('_', '-', substr($k, 5))] = $v;
            }
        }
        if (!empty($server['CONTENT_TYPE'])) {
            $h['Content-Type'] = $server['CONTENT_TYPE'];
        }
        return $h;
    }

    public function __destruct()
    {
        Lib::ffi()->consent_site_free($this->ptr);
    }
}

/** One HTTP request: the visitor's consent, or the endpoint's answer. */
final class Request
{
    public \FFI\CData $ptr;
    public int $cookieStatus = -1;

    public function __construct(public readonly Site $site, array $headers, bool $https,
                                ?string $peer = null)
    {
        $f = Lib::ffi();
        $out = Lib::out('consent_request_t');
        Lib::check($f->consent_request_new($site->ptr, $https ? 1 : 0, \FFI::addr($out)));
        $this->ptr = $out;
        if ($peer !== null && $peer !== '') {
            $f->consent_request_set_peer($this->ptr, $peer);
        }
        foreach ($headers as $name => $value) {
            Lib::check($f->consent_request_set_header($this->ptr, (string)$name, (string)$value,
                                                      strlen((string)$value)), (string)$name);
        }
    }

    /** The visitor's consent state (owned by this request). */
    public function state(): \FFI\CData
    {
        $f = Lib::ffi();
        $why = $f->new('consent_status');
        $st = $f->consent_request_state($this->ptr, 0, \FFI::addr($why));
        if ($st === null || \FFI::isNull($st)) {
            throw new ConsentException(1, 'out of memory');
        }
        $this->cookieStatus = $why->cdata;
        return $st;
    }

    public function allows(string $provider): bool
    {
        return Lib::ffi()->consent_state_allows($this->state(), $provider, 0) !== 0;
    }

    /**
     * The consent endpoint's answer: ['status' => 303, 'headers' =>
     * [[name, value], ...], 'body' => string, 'receipt' => ?array,
     * 'reason' => string].
     */
    public function endpoint(string $method, string $query = '', string $body = '',
                             ?Gate $gate = null): array
    {
        $f = Lib::ffi();
        if ($gate !== null) {
            /* The settings page (a GET) in the gate's texts and language. */
            Lib::check($f->consent_request_set_gate($this->ptr, $gate->ptr));
        }
        Lib::check($f->consent_request_endpoint($this->ptr, $method, $query, strlen($query), $body,
                                                strlen($body), 0));
        $headers = [];
        $name = $f->new('const char*');
        $value = $f->new('const char*');
        for ($i = 0; $f->consent_request_response_header($this->ptr, $i, \FFI::addr($name), \FFI::addr($value)); $i++) {
            $headers[] = [\FFI::string($name), \FFI::string($value)];
        }
        $len = $f->new('size_t');
        $p = $f->consent_request_response_body($this->ptr, \FFI::addr($len));
        $bodyOut = $len->cdata > 0 ? \FFI::string($p, $len->cdata) : '';
        $p = $f->consent_request_response_receipt($this->ptr, \FFI::addr($len));
        $receipt = ($p === null || \FFI::isNull($p)) ? null : json_decode(\FFI::string($p, $len->cdata), true);
        return [
            'status' => $f->consent_request_response_status($this->ptr),
            'headers' => $headers,
            'body' => $bodyOut,
            'receipt' => $receipt,
            'reason' => $f->consent_request_response_reason($this->ptr),
        ];
    }

    public function __destruct()
    {
        Lib::ffi()->consent_request_free($this->ptr);
    }
}

/** The decisions every host makes the same way (docs/endpoint.md). */
final class Http
{
    public const PASS = 0;
    public const GATE = 1;
    public const REFUSE = 2;

    /** [action, coding, reason] for a response's status, Content-Type and
     *  Content-Encoding (null: absent). */
    public static function classify(int $status, ?string $contentType, ?string $contentEncoding): array
    {
        $f = Lib::ffi();
        $coding = $f->new('consent_encoding');
        $reason = $f->new('const char*');
        $act = $f->consent_http_classify($status, $contentType, $contentType === null ? 0 : strlen($contentType),
                                         $contentEncoding,
                                         $contentEncoding === null ? 0 : strlen($contentEncoding),
                                         \FFI::addr($coding), \FFI::addr($reason));
        /* (an enum is read through a pointer: FFI has no ->cdata for it) */
        return [$act, \FFI::addr($coding)[0], \FFI::isNull($reason) ? '' : \FFI::string($reason)];
    }
}

/**
 * The page this PHP request produces, gated as the server modules gate
 * theirs: call Page::start() before the first output.  The whole output
 * is held (PHP buffers it anyway); at the end the library decides from
 * the status and the headers the script set: not a page passes as it
 * is, a page the gate cannot read becomes a 502 (nothing of it sent), a
 * page is gated for this visitor with the headers the library says
 * (length and validators removed, Vary, Link without providers'
 * preloads).  If gating fails, the visitor gets the 502, never the page.
 */
final class Page
{
    public const REFUSED = "502 Bad Gateway: the page cannot be checked for embeds\n";
    private string $buf = '';

    private function __construct(private readonly Gate $gate, private readonly ?Site $site,
                                 private readonly array $server)
    {
    }

    public static function start(Gate $gate, ?Site $site = null, ?array $server = null): void
    {
        $p = new self($gate, $site, $server ?? $_SERVER);
        ob_start([$p, 'handle']);
        /* PHP runs destructors (which free the gate) before it flushes
         * output buffers: the page is finished in a shutdown function,
         * which runs first. */
        $level = ob_get_level();
        register_shutdown_function(static function () use ($level): void {
            while (ob_get_level() >= $level) {
                ob_end_flush();
            }
        });
    }

    /** The output handler (PHP calls it; not for the application). */
    public function handle(string $chunk, int $phase): string
    {
        $this->buf .= $chunk;
        if (!($phase & PHP_OUTPUT_HANDLER_FINAL)) {
            return '';
        }
        $body = $this->buf;
        $this->buf = '';
        try {
            return $this->finish($body);
        } catch (\Throwable $e) {
            error_log('consent: cannot gate the page: ' . $e->getMessage());
            return $this->refuse();
        }
    }

    private function refuse(): string
    {
        if (!headers_sent()) {
            http_response_code(502);
            header_remove();
            header('Content-Type: text/plain; charset=utf-8');
            header('Cache-Control: no-store');
        }
        return self::REFUSED;
    }

    private function finish(string $body): string
    {
        $fields = [];
        foreach (headers_list() as $line) {
            [$name, $value] = array_map('trim', explode(':', $line, 2)) + [1 => ''];
            $fields[strtolower($name)][] = $value;
        }
        $type = isset($fields['content-type']) ? implode(', ', $fields['content-type'])
            : (ini_get('default_mimetype') ?: 'text/html')
              . (ini_get('default_charset') ? '; charset=' . ini_get('default_charset') : '');
        $enc = isset($fields['content-encoding']) ? implode(', ', $fields['content-encoding']) : null;
        $status = http_response_code() ?: 200;
        [$act, $coding, $reason] = Http::classify($status, $type, $enc);
        if ($act === Http::PASS) {
            return $body;
        }
        if ($act !== Http::GATE) {
            error_log("consent: refused (502): $reason");
            return $this->refuse();
        }
        $state = $request = null;
        if ($this->site !== null) {
            /* (the state belongs to the request: $request keeps it alive) */
            $https = !empty($this->server['HTTPS']) && $this->server['HTTPS'] !== 'off';
            $request = $this->site->request(Site::headersFromServer($this->server), $https,
                                            $this->server['REMOTE_ADDR'] ?? null);
            $state = $request->state();
        }
        $uri = (string)($this->server['REQUEST_URI'] ?? '/');
        [$out, $links] = $this->gate->rewriteResponse(
            $body, $state, $this->server['HTTP_ACCEPT_LANGUAGE'] ?? null,
            str_starts_with($uri, '/') && !str_starts_with($uri, '//') ? $uri : '/',
            $coding, $type, $fields['link'] ?? []);
        if (!headers_sent()) {
            foreach ($this->gate->headerEdits($this->site) as [$op, $name, $value]) {
                if ($op !== 'merge') {
                    header_remove($name);
                }
                if ($op !== 'remove') {
                    header("$name: $value", $op !== 'merge');
                }
            }
            header_remove('Link');
            foreach ($links as $link) {
                header("Link: $link", false);
            }
        }
        return $out;
    }
}
