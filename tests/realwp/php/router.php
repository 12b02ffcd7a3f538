<?php
// Router for PHP's built-in server: real files are served as they are (static) or run (.php);
// every other path goes to WordPress's index.php, as Apache's rewrite rules would send it.
$root = $_SERVER['DOCUMENT_ROOT'];
$path = rawurldecode(parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH) ?? '/');
$file = realpath($root . $path);
if ($file !== false && is_file($file)) {
    if (substr($file, -4) !== '.php') {
        return false;
    }
    chdir(dirname($file));
    require $file;
    return;
}
$_SERVER['SCRIPT_NAME'] = '/index.php';
$_SERVER['PHP_SELF'] = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = $root . '/index.php';
chdir($root);
require $root . '/index.php';
