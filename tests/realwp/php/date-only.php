<?php
/*
 * Plugin Name: Dates without the time of day
 * Description: What many themes print: the day alone, even in <time datetime>; the feed still
 * carries the full timestamp.
 */
add_filter('get_the_date', function ($date, $format, $post) {
    return $format === DATE_W3C ? get_post_time('Y-m-d', false, $post) : $date;
}, 10, 3);
add_filter('get_the_modified_date', function ($date, $format, $post) {
    return $format === DATE_W3C ? get_post_modified_time('Y-m-d', false, $post) : $date;
}, 10, 3);
