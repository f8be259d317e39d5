// One WebSocket to /api/live for the whole page: views subscribe to new events and alerts.
// Reconnects with a growing pause when the connection drops (router restart, phone asleep).

export class LiveClient {
  constructor(dot) {
    this.dot = dot;
    this.listeners = new Set();
    this.retry = 500;
    this.closed = false;
    this.connect();
  }

  connect() {
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/live`);
    this.ws = ws;
    ws.onopen = () => {
      this.retry = 500;
      this.status(true);
    };
    ws.onmessage = (m) => {
      let msg;
      try {
        msg = JSON.parse(m.data);
      } catch {
        return;
      }
      for (const fn of this.listeners) fn(msg);
    };
    ws.onclose = () => {
      this.status(false);
      if (this.closed) return;
      setTimeout(() => this.connect(), this.retry);
      this.retry = Math.min(this.retry * 2, 30000);
    };
  }

  status(up) {
    this.connected = up;
    if (!this.dot) return;
    this.dot.hidden = false;
    this.dot.classList.toggle('up', up);
    this.dot.title = up ? 'Live updates on' : 'Live updates reconnecting…';
  }

  /** fn({type: 'event'|'alert', ...}); returns the unsubscribe function. */
  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  close() {
    this.closed = true;
    this.ws?.close();
  }
}
