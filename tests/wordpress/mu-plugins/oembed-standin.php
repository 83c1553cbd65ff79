<?php
/*
 * The test's stand-in for YouTube's oEmbed endpoint: WordPress asks it for
 * the HTML of a YouTube URL; this answers what YouTube answers, without
 * the network.
 */
add_filter('pre_oembed_result', function ($result, $url) {
    if (preg_match('~youtube\.com/watch\?v=([\w-]+)~', (string)$url, $m)) {
        return '<iframe title="Flood defences at night" width="500" height="281" '
            . 'src="https://www.youtube.com/embed/' . $m[1] . '?feature=oembed" frameborder="0" '
            . 'allow="accelerometer; autoplay; clipboard-write; encrypted-media; gyroscope; '
            . 'picture-in-picture; web-share" allowfullscreen></iframe>';
    }
    return $result;
}, 10, 2);
