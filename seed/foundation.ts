import { formatCityCode } from '../domain/citycode';
import type { GeoJsonGeometry } from '../spatial/features';

/** The landmark objects every seed scale contains; tests and the README's examples use them. */
export interface LandmarkObject {
  code: string;
  objectKind: string;
  name: string;
  address?: string;
  parentCode?: string;
  geometry: GeoJsonGeometry;
  heightM?: number;
}

export const SHENZHEN_CODE = formatCityCode({ division: '440300', classCode: '100100', serial: 1 });
export const FUTIAN_CODE = formatCityCode({ division: '440300', classCode: '100200', serial: 440304 });
export const CIVIC_CENTER_CODE = formatCityCode({ division: '440304', classCode: '200100', serial: 1 });

export const LANDMARKS: LandmarkObject[] = [
  {
    code: SHENZHEN_CODE,
    objectKind: 'CITY',
    name: '深圳市',
    geometry: { type: 'Point', coordinates: [114.0579, 22.5431] },
  },
  {
    code: FUTIAN_CODE,
    objectKind: 'DISTRICT',
    name: '福田区',
    parentCode: SHENZHEN_CODE,
    geometry: { type: 'Point', coordinates: [114.0555, 22.5213] },
  },
  {
    code: CIVIC_CENTER_CODE,
    objectKind: 'BUILDING',
    name: '深圳市民中心',
    address: '广东省深圳市福田区福中三路市民中心',
    parentCode: FUTIAN_CODE,
    heightM: 84,
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [114.0568, 22.5443],
          [114.0612, 22.5443],
          [114.0612, 22.5462],
          [114.0568, 22.5462],
          [114.0568, 22.5443],
        ],
      ],
    },
  },
];
