import { createRouter, createWebHistory } from 'vue-router';

// Pages load on demand, so the first page downloads only what it draws.
export const router = createRouter({
  history: createWebHistory('/console/'),
  routes: [
    { path: '/', name: 'overview', component: () => import('./pages/OverviewPage.vue') },
    { path: '/search', name: 'search', component: () => import('./pages/SearchPage.vue') },
    { path: '/entity/:code', name: 'entity', component: () => import('./pages/EntityPage.vue') },
    { path: '/lineage', name: 'lineage', component: () => import('./pages/LineagePage.vue') },
    { path: '/catalogue', name: 'catalogue', component: () => import('./pages/CataloguePage.vue') },
    { path: '/requests', name: 'requests', component: () => import('./pages/RequestsPage.vue') },
    { path: '/review', name: 'review', component: () => import('./pages/ReviewPage.vue') },
    { path: '/quality', name: 'quality', component: () => import('./pages/QualityPage.vue') },
    { path: '/audit', name: 'audit', component: () => import('./pages/AuditPage.vue') },
    { path: '/:rest(.*)', redirect: '/' },
  ],
});
