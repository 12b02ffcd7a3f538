<?php
/*
 * Plugin Name: No REST API for visitors
 * Description: What many agency sites install: every REST request is refused.
 */
add_filter('rest_authentication_errors', function ($result) {
    return new WP_Error('rest_disabled', 'The REST API is disabled on this site.', ['status' => 401]);
});
