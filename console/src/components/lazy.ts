import { defineAsyncComponent } from 'vue';

/**
 * The map, loaded on its own: MapLibre is the largest chunk of the console, and a page's queries
 * should not wait for it to be fetched and parsed.
 */
export const GeoMap = defineAsyncComponent(() => import('./GeoMap.vue'));
