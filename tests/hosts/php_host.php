<?php
/*
 * PHP as a host of libconsent for the table of cases (tests/hosts/table.py):
 * a front controller under php -S whose pages are gated by Consent\Page,
 * configured as the other hosts are.  /proxy/... and /safe/proxy/...
 * (cache-safe) answer what the stand-in backend answers, as an
 * application would (its status, headers and body); /consent is the
 * endpoint.  Environment: KEY_FILE, PROVIDERS, BACKEND_PORT (and
 * CONSENT_LIBRARY).
 *
 *   php -d ffi.enable=1 -S 127.0.0.1:PORT tests/hosts/php_host.php
 */
declare(strict_types=1);

require __DIR__ . '/../../bindings/php/src/Consent.php';

$path = (string)parse_url((string)$_SERVER['REQUEST_URI'], PHP_URL_PATH);
$registry = new Consent\Registry((string)getenv('PROVIDERS'));
$site = new Consent\Site($registry, new Consent\KeyRing((string)getenv('KEY_FILE')),
                         ['secure' => false, 'sources' => 'cookie tcf klaro gpc',
                          'gpc_categories' => 'marketing video',
                          'trusted_proxies' => '127.0.0.1 ::1/128']);
$gate = new Consent\Gate(['registry' => $registry, 'privacy_url' => '/privacy.html',
                          'endpoint' => '/consent',
                          'cache_safe' => str_starts_with($path, '/safe/')]);

if ($path === '/consent') {
    $body = (string)file_get_contents('php://input', false, null, 0, Consent\Lib::MAX_BODY + 1);
    $r = $site->request(Consent\Site::headersFromServer($_SERVER), false, $_SERVER['REMOTE_ADDR'] ?? null)
        ->endpoint($_SERVER['REQUEST_METHOD'], (string)($_SERVER['QUERY_STRING'] ?? ''), $body, $gate);
    http_response_code($r['status']);
    foreach ($r['headers'] as [$name, $value]) {
        header("$name: $value", false);
    }
    echo $r['body'];
    return true;
}
if (!preg_match('~^(?:/safe)?/proxy(/.*)$~', $path, $m)) {
    http_response_code(404);
    return true;
}

Consent\Page::start($gate, $site);
$query = (string)($_SERVER['QUERY_STRING'] ?? '');
$ctx = stream_context_create(['http' => [
    'method' => $_SERVER['REQUEST_METHOD'], 'ignore_errors' => true, 'follow_location' => 0,
    'header' => "Accept-Encoding: identity\r\nConnection: close\r\n",
    'content' => (string)file_get_contents('php://input')]]);
$body = (string)@file_get_contents('http://127.0.0.1:' . getenv('BACKEND_PORT') . $m[1]
                                   . ($query !== '' ? "?$query" : ''), false, $ctx);
$head = $http_response_header ?? ['HTTP/1.1 502 Bad Gateway'];
http_response_code((int)(explode(' ', $head[0])[1] ?? 502));
foreach (array_slice($head, 1) as $line) {
    $name = strtolower(trim(explode(':', $line, 2)[0]));
    if (!in_array($name, ['connection', 'transfer-encoding', 'server', 'date', 'content-length'], true)) {
        header($line, false);
    }
}
echo $body;
return true;
