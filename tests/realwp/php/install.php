<?php
// php install.php WP_ROOT SITE_URL: WordPress's own installer, as the setup screen runs it.
define('WP_INSTALLING', true);
$url = $argv[2];
$_SERVER['HTTP_HOST'] = parse_url($url, PHP_URL_HOST) . ':' . parse_url($url, PHP_URL_PORT);
$_SERVER['REQUEST_URI'] = '/';
require $argv[1] . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
$result = wp_install('ศูนย์ข่าวการศึกษา', 'admin', 'admin@example.test', true, '', wp_generate_password(24));
if (is_wp_error($result)) {
    fwrite(STDERR, $result->get_error_message() . "\n");
    exit(1);
}
echo "installed\n";
