// The fixed golden image list: 12 LFW images of 6 people (two each), relative to the datasets folder.
export const DEFAULT_IMAGES = [
  'Colin_Powell/Colin_Powell_0001.jpg', 'Colin_Powell/Colin_Powell_0002.jpg',
  'George_W_Bush/George_W_Bush_0001.jpg', 'George_W_Bush/George_W_Bush_0002.jpg',
  'Serena_Williams/Serena_Williams_0001.jpg', 'Serena_Williams/Serena_Williams_0002.jpg',
  'Tony_Blair/Tony_Blair_0001.jpg', 'Tony_Blair/Tony_Blair_0002.jpg',
  'Laura_Bush/Laura_Bush_0001.jpg', 'Laura_Bush/Laura_Bush_0002.jpg',
  'Hugo_Chavez/Hugo_Chavez_0001.jpg', 'Hugo_Chavez/Hugo_Chavez_0002.jpg',
].map((p) => `lfw/lfw-deepfunneled/${p}`);
