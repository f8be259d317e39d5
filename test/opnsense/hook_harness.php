<?php

/*
 * Runs the plugin's legacy hooks (plugins.inc.d/yori.inc) outside OPNsense, for
 * firewall-hook.test.ts: a stub model holds the settings, a recording firewall object stands
 * in for \OPNsense\Firewall\Plugin. Prints JSON: what yori_firewall() registered, and what
 * yori_services() and yori_cron() return.
 *
 * usage: php hook_harness.php YORI_INC GENERAL_JSON PID_VALID(0|1) API(legacy|current)
 */

namespace OPNsense\Yori {
    class StubField
    {
        public function __construct(private string $value)
        {
        }

        public function __toString(): string
        {
            return $this->value;
        }
    }

    /** Only what the hooks read: the general section, fields cast to string. */
    class Yori
    {
        public $general;

        public function __construct()
        {
            $this->general = new \stdClass();
            foreach ($GLOBALS['yori_general'] as $name => $value) {
                $this->general->$name = new StubField((string)$value);
            }
        }
    }
}

namespace {
    /** The firewall plugin API up to 26.7 (registerForwardRule only). */
    class LegacyFirewall
    {
        public $calls = [];

        public function registerTable($name, $persist = false, $file = null)
        {
            $this->calls[] = ['registerTable', $name, $persist, $file];
        }

        public function registerFilterRule($prio, $conf, $defaults = null)
        {
            $this->calls[] = ['registerFilterRule', $prio, $conf];
        }

        public function registerForwardRule($prio, $conf)
        {
            $this->calls[] = ['registerForwardRule', $prio, $conf];
        }
    }

    /** The current API: the rdr method was renamed, the old name kept as glue. */
    class CurrentFirewall extends LegacyFirewall
    {
        public function registerDestinationNatRule($prio, $conf)
        {
            $this->calls[] = ['registerDestinationNatRule', $prio, $conf];
        }
    }

    function isvalidpid($pidfile)
    {
        return $GLOBALS['yori_pid_valid'] && $pidfile === '/var/run/yori.pid';
    }

    [, $inc, $general, $pid, $api] = $argv;
    $yori_general = json_decode($general, true);
    $yori_pid_valid = $pid === '1';
    require $inc;

    $fw = $api === 'current' ? new CurrentFirewall() : new LegacyFirewall();
    yori_firewall($fw);
    echo json_encode([
        'firewall' => $fw->calls,
        'services' => yori_services(),
        'cron' => yori_cron(),
        'sync' => yori_xmlrpc_sync(),
    ]);
}
