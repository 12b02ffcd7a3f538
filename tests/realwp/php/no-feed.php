<?php
/*
 * Plugin Name: No feeds
 * Description: Some agency sites switch their feeds off: every feed answers 404 and the pages
 * no longer link to one; wp-sitemap.xml stays.
 */
foreach (['do_feed', 'do_feed_rdf', 'do_feed_rss', 'do_feed_rss2', 'do_feed_atom'] as $hook) {
    add_action($hook, function () {
        wp_die('Feeds are switched off.', '', ['response' => 404]);
    }, 1);
}
remove_action('wp_head', 'feed_links', 2);
remove_action('wp_head', 'feed_links_extra', 3);
