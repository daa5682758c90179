// The operator dashboard's pages, chosen by the address's fragment: #/ the lines overview, #/lines/{line} its frames,
// #/lines/{line}/review its review queue, #/lines/{line}/threshold its threshold tuning, #/training the training
// jobs, #/cameras the cameras and PLC handshakes, #/cluster the cluster, #/audit the audit trail. Each page stops its streams and handlers when another one opens.
'use strict';

let open = null;

async function route() {
  open?.abort();
  open = new AbortController();
  const container = document.getElementById('view');
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(p => p !== '').map(decodeURIComponent);
  document.querySelectorAll('.bar nav a').forEach(a => a.removeAttribute('aria-current'));
  try {
    if (parts[0] === 'training') await showTraining(container, open.signal);
    else if (parts[0] === 'cluster') await showCluster(container, open.signal);
    else if (parts[0] === 'cameras') await showCameras(container, open.signal);
    else if (parts[0] === 'audit') await showAudit(container, open.signal);
    else if (parts[0] === 'lines' && parts[1] && parts[2] === 'review') await showReview(container, parts[1], open.signal);
    else if (parts[0] === 'lines' && parts[1] && parts[2] === 'threshold') await showThreshold(container, parts[1], open.signal);
    else if (parts[0] === 'lines' && parts[1]) await showLine(container, parts[1], open.signal);
    else {
      document.querySelector('.bar nav a[href="/"]').setAttribute('aria-current', 'page');
      await showOverview(container, open.signal);
    }
  } catch (e) {
    showStatus(e.message, true);
  }
}

window.addEventListener('hashchange', route);
showSignedIn();
route();
